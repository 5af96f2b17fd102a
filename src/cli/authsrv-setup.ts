// The AS's part of the first-boot claim at its start (issue 14): a unit without factory data makes its own label
// code once, keeps only its key, and shows the code once (the log, so the journal, and a file only the AS's user
// reads); the setup window opens after boot, after that first start, and when the trigger file is there.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import type { SetupConfig } from '../config/config.ts';
import type { KeyStore } from '../authsrv/keystore.ts';
import { passwordKey } from '../authsrv/keys.ts';
import { SetupState } from '../authsrv/setup-state.ts';
import { OWNER } from '../auth/owner.ts';
import { formatSetupCode, generateSetupCode, setupCodePassword } from '../factory/setup-code.ts';
import type { Logger } from '../util/log.ts';

const BOOT = 'setup-boot';

/** This boot's id: a new one means the box booted since the AS last started. */
function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `factoryKey`: the label code's key from the factory data; absent: a DIY unit makes its own code. */
export async function prepareSetup(
  store: KeyStore,
  dom: Uint8Array,
  keyDir: string,
  config: SetupConfig,
  log: Logger,
  factoryKey?: Uint8Array,
): Promise<SetupState> {
  const setup = new SetupState(store, { windowMs: config.windowSeconds * 1000, maxFailures: config.maxFailures }, log);
  if (setup.isClaimed) return setup;
  if (!setup.hasCode && factoryKey) {
    setup.setCodeKey(factoryKey);
    log.info('this unit is unclaimed: its label code (from the factory data) claims it');
  } else if (!setup.hasCode) {
    const code = generateSetupCode();
    setup.setCodeKey(await passwordKey(setupCodePassword(code), dom, OWNER));
    const file = config.codeFile ?? join(keyDir, 'setup-code.txt');
    const shown = formatSetupCode(code);
    try {
      writeFileSync(file, `${shown}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      log.warn(`cannot write the setup code to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // shown this once, on stdout (the journal on the box): the key database keeps only its key, so no later start
    // can show it again; the log line itself never carries it
    process.stdout.write(`walnut: this unit is unclaimed. Its setup code: ${shown}\nwalnut: claim it from a computer on the LAN: walnut claim HOST\n`);
    log.warn(`this unit is unclaimed: its setup code was made and shown once on stdout, and written to ${file}`);
  }
  const boot = bootId();
  if (boot !== undefined && store.meta(BOOT)?.toString('utf8') !== boot) {
    store.setMeta(BOOT, Buffer.from(boot));
    const bootedAt = Date.now() - uptime() * 1000;
    if (bootedAt + config.windowSeconds * 1000 > setup.window.openUntil) setup.open(bootedAt);
  }
  if (config.triggerFile !== undefined && existsSync(config.triggerFile)) {
    setup.open(Date.now());
    try {
      unlinkSync(config.triggerFile);
    } catch (err) {
      log.warn(`cannot remove the setup trigger ${config.triggerFile}: ${(err as Error).message}`);
    }
    log.info(`setup window opened by ${config.triggerFile}`);
  }
  if (setup.isOpen) log.info(`setup window open until ${new Date(setup.window.openUntil).toISOString()}`);
  return setup;
}
