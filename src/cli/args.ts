// Command-line parsing: pure, so every message and exit status is unit-tested.

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ServeArgs {
  command: 'serve';
  config?: string;
  data?: string;
  listen: string[];
  simulate?: string;
  logLevel?: string;
}

export type Args = { command: 'help' } | { command: 'version' } | ServeArgs;

const SERVE_FLAGS: Record<string, 'config' | 'data' | 'listen' | 'simulate' | 'logLevel'> = {
  '--config': 'config',
  '--data': 'data',
  '--listen': 'listen',
  '--simulate': 'simulate',
  '--log-level': 'logLevel',
};

export function parseArgs(argv: readonly string[]): Args {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-V' || first === 'version') return { command: 'version' };
  if (first !== 'serve') throw new UsageError(`unknown command "${first}"`);
  const out: ServeArgs = { command: 'serve', listen: [] };
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    const key = SERVE_FLAGS[arg];
    if (!key) throw new UsageError(`serve: unknown option "${arg}"`);
    if (value === undefined) {
      value = rest[++i];
      if (value === undefined || value === '') throw new UsageError(`serve: ${arg} needs a value`);
    }
    if (key === 'listen') out.listen.push(value);
    else out[key] = value;
  }
  return out;
}

export function helpText(version: string): string {
  return `walnut ${version}: a UPS served to the LAN as a NUT server

Usage:
  walnut serve [--config FILE] [--data DIR] [--listen HOST:PORT]... [--simulate FIXTURE.json]
               [--log-level debug|info|warn|error]
  walnut --version
  walnut --help

serve options:
  --config FILE        JSON config file (default: the board's, read only if it exists)
  --data DIR           data folder: SQLite database and keys
  --listen HOST:PORT   NUT listener, repeatable; '*' is every address, port 0 picks a free one
                       (default *:3493)
  --simulate FILE      serve a UPS fixture (shared/fixtures/ups format) instead of a USB device
  --log-level LEVEL    log verbosity (default info)

Exit status: 0 success, 1 runtime failure, 2 usage error, 3 configuration error.
`;
}
