// `walnut fsd clear`: the administrator's way out of the FSD latch (docs/nut-compat.md, "FSD and the shutdown
// sequence"). It leaves a request in the database the running server reads every quarter second; the server
// clears the latch, ends the sequence and records who asked in its event log.
import { EXIT, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, optionsHelp } from './options.ts';
import { parseSingleAction, type DataFolderArgs } from './single-action.ts';
import { openDataFolder } from './data-folder.ts';
import { Settings } from '../storage/settings.ts';
import { EventLog } from '../storage/event-log.ts';
import { CLEAR_REQUEST_KEY } from '../shutdown/orchestrator.ts';

export async function runFsdClear(args: DataFolderArgs): Promise<number> {
  const { db } = openDataFolder(args, true);
  try {
    new Settings(db).set(CLEAR_REQUEST_KEY, String(Date.now()));
    const events = new EventLog(db);
    events.record('fsd-clear-requested', undefined, `from the command line (uid ${process.getuid?.() ?? '?'})`);
    events.close();
    process.stdout.write('FSD clear requested: the running walnut clears the latch within a second\n');
    return EXIT.ok;
  } finally {
    db.close();
  }
}

export const fsdCommand: Command = {
  name: 'fsd',
  summary: 'clear the forced-shutdown latch and end the shutdown sequence now',
  usage: ['fsd clear [--config FILE] [--data DIR]'],
  details: `The running server acts within a second; walnut also clears the latch by itself once the UPS has cycled
and mains are back.

Options:
${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: (argv) => runFsdClear(parseSingleAction('fsd', 'clear', argv)),
};
