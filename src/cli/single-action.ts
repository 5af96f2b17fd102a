// `walnut WORD ACTION [--data DIR] [--config FILE]`: the commands with one fixed action (fsd clear, ca export,
// debug addons).
import { UsageError } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, parseOptions } from './options.ts';

export interface DataFolderArgs {
  config?: string;
  data?: string;
}

/** Pure: checks that the one positional is `action` and returns the data folder flags. */
export function parseSingleAction(command: string, action: string, argv: readonly string[]): DataFolderArgs {
  const o = parseOptions(command, argv, DATA_FOLDER_OPTIONS);
  const [given, extra] = o.positional;
  if (given !== action) throw new UsageError(`${command}: expected "${action}"${given === undefined ? '' : `, not "${given}"`}`);
  if (extra !== undefined) throw new UsageError(`${command}: unexpected argument "${extra}"`);
  return dataFolderArgs(o);
}
