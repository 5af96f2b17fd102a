// The one option parser every command uses. Pure, so each message is unit-tested.
//   --flag value, --flag=value (a value may contain =), bare flags, positionals; `--` ends the options (a user
//   name may start with a dash); a later flag overrides an earlier one unless it is repeatable.
import { HelpRequest, UsageError } from './command.ts';

export interface OptionSpec {
  /** `--data` */
  flag: string;
  /** the value's name as help shows it (`DIR`); absent: a bare flag */
  value?: string;
  /** may be given several times; the values keep their order */
  repeat?: boolean;
  /** one line for the command's help */
  help: string;
}

export interface ParsedOptions {
  /** the last value of each value flag */
  values: Map<string, string>;
  /** every value of each repeatable flag, in order */
  lists: Map<string, string[]>;
  flags: Set<string>;
  positional: string[];
}

/** Splits argv by `specs`. -h/--help anywhere throws HelpRequest. `where` prefixes every message. */
export function parseOptions(where: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const out: ParsedOptions = { values: new Map(), lists: new Map(), flags: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') throw new HelpRequest();
    if (arg === '--password' || arg === '-p') {
      throw new UsageError(
        `${where}: passwords are never taken from the command line (ps and shell history would show them): use --password-stdin or answer the prompt`,
      );
    }
    const spec = specs.find((s) => s.flag === arg);
    if (!spec) throw new UsageError(`${where}: unknown option "${arg}"`);
    if (spec.value === undefined) {
      if (value !== undefined) throw new UsageError(`${where}: ${arg} takes no value`);
      out.flags.add(arg);
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${where}: ${arg} needs a value`);
    out.values.set(arg, value);
    if (spec.repeat) out.lists.set(arg, [...(out.lists.get(arg) ?? []), value]);
  }
  return out;
}

/** No positional argument allowed. */
export function noPositional(where: string, o: ParsedOptions): void {
  if (o.positional.length > 0) throw new UsageError(`${where}: unexpected argument "${o.positional[0]}"`);
}

/** Exactly one positional argument, with `missing` as the message when there is none. */
export function onePositional(where: string, o: ParsedOptions, missing: string, what = 'one at a time'): string {
  if (o.positional.length === 0) throw new UsageError(`${where}: ${missing}`);
  if (o.positional.length > 1) throw new UsageError(`${where}: ${what} (unexpected "${o.positional[1]}")`);
  return o.positional[0]!;
}

/** The help lines of a set of options, aligned. */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => (s.value === undefined ? s.flag : `${s.flag} ${s.value}`));
  const width = Math.max(20, ...left.map((l) => l.length + 2));
  return specs.map((s, i) => `  ${left[i]!.padEnd(width)} ${s.help}`).join('\n');
}

/** --config and --data: every command that works on the data folder serve uses takes them. */
export const DATA_FOLDER_OPTIONS: readonly OptionSpec[] = [
  { flag: '--config', value: 'FILE', help: "JSON config file (default: the board's, read only if it exists)" },
  { flag: '--data', value: 'DIR', help: 'data folder (default: the config\'s dataDir)' },
];

/** The --config/--data pair as config overrides. */
export function dataFolderArgs(o: ParsedOptions): { config?: string; data?: string } {
  const out: { config?: string; data?: string } = {};
  const config = o.values.get('--config');
  const data = o.values.get('--data');
  if (config !== undefined) out.config = config;
  if (data !== undefined) out.data = data;
  return out;
}

/** `walnut WORD ACTION ...` for commands whose first positional is an action from `actions`. */
export function splitAction<A extends string>(command: string, argv: readonly string[], actions: readonly A[]): { action: A; rest: readonly string[] } {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') throw new HelpRequest();
  if (!actions.includes(action as A)) throw new UsageError(`unknown ${command} command "${action}" (one of: ${actions.join(', ')})`);
  return { action: action as A, rest };
}
