// `walnut --help`: every command's synopsis and summary, then what holds for all of them.
import type { Command } from './command.ts';

export function overviewHelp(version: string, commands: readonly Command[]): string {
  const shown = commands.filter((c) => !c.hidden);
  const usage = shown.flatMap((c) => c.usage.map((u) => `  walnut ${u}`));
  const width = Math.max(...shown.map((c) => c.name.length)) + 2;
  const summaries = shown.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`);
  return `walnut ${version}: a UPS served to the LAN as a NUT server

Usage:
${usage.join('\n')}
  walnut help COMMAND | walnut COMMAND --help
  walnut --version
  walnut --help

Commands:
${summaries.join('\n')}

A running server sees user changes on its next credential check. Names and passwords are byte strings:
spaces, quotes, # and non-ASCII characters are kept exactly (names at most 64 bytes, passwords 512);
passwords are never taken from the command line.

Exit status: 0 success, 1 runtime failure, 2 usage error, 3 configuration error, 75 serve ended itself to
be started again (the setup page's restart or factory reset; systemd's Restart=on-failure does that).
`;
}
