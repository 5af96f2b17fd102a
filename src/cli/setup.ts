// `walnut setup open | status`: root on the unit reopens the setup window of an unclaimed unit (issue 14), or
// shows the claim state, over the AS's admin socket.
import { CliError, EXIT, UsageError, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, optionsHelp } from './options.ts';
import { adminSocketFor } from './data-folder.ts';
import { adminRequest } from '../authsrv/admin-client.ts';
import type { AdminReply } from '../authsrv/admin.ts';
import { parseSingleAction, type DataFolderArgs } from './single-action.ts';

function describe(setup: Extract<AdminReply, { ok: true }>['setup']): string {
  if (!setup) return 'this unit has no setup code';
  if (setup.claimed) return 'claimed';
  return setup.open ? `unclaimed; setup window open until ${setup.until} (${setup.failures} failed attempts)` : 'unclaimed; setup window closed';
}

async function ask(args: DataFolderArgs, op: 'setup-open' | 'status'): Promise<Extract<AdminReply, { ok: true }>> {
  const socket = await adminSocketFor(args);
  try {
    const reply = await adminRequest(socket, { op });
    if (!reply.ok) throw new CliError(reply.error);
    return reply;
  } finally {
    socket.destroy();
  }
}

export const setupCommand: Command = {
  name: 'setup',
  summary: "the first-boot claim on this unit: reopen the setup window, or show whether the unit is claimed",
  usage: ['setup open | status [--config FILE] [--data DIR]'],
  details: `open                 open the setup window for another 15 minutes (setup.windowSeconds) with a fresh count of
                       failed attempts; refused once the unit is claimed
status               claimed, or unclaimed with the window's state

Options:
${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: async (argv, io) => {
    const action = argv[0];
    if (action !== 'open' && action !== 'status' && action !== undefined && !action.startsWith('-')) {
      throw new UsageError(`unknown setup command "${action}" (one of: open, status)`);
    }
    const which = action === 'status' ? 'status' : 'open';
    const args = parseSingleAction('setup', which, argv);
    const reply = await ask(args, which === 'open' ? 'setup-open' : 'status');
    io.stdout.write(`${describe(reply.setup)}\n`);
    return EXIT.ok;
  },
};
