// Every file a factory reset removes on a unit (issue 14; docs/provisioning.md): walnut.db and keys.db with their
// WAL files, the AS's other state, and a DIY unit's setup code (the next start makes and shows a new one). One list
// for `walnut factory-reset` and the setup page's reset, so the two wipe the same things.
import { join } from 'node:path';
import { resetFiles } from '../storage/reset.ts';
import { authPaths, type AuthPathsConfig } from './paths.ts';

export function unitResetFiles(config: AuthPathsConfig & { setup: { codeFile?: string | undefined } }): string[] {
  const paths = authPaths(config);
  const codeFile = config.setup.codeFile ?? join(paths.keyDir, 'setup-code.txt');
  return resetFiles(config.dataDir, paths.keyDir, [paths.speaksFor, paths.serverKeyFile, codeFile]);
}
