// auth.server "spawn": `walnut authsrv` as serve's child, on the same config and data folder (README
// "Authentication server"). It holds our end of its stdin and exits when that closes, so it never outlives serve
// (even SIGKILL). Its first start is a start step: serve waits for its "ready" on fd 3, and an AS that exits
// before saying it fails serve's start. Once it was ready, a death is restarted with back-off.
import { spawn, type ChildProcess } from 'node:child_process';
import { logger } from '../util/log.ts';

const log = logger('walnut');

/** How the AS is started: the walnut executable and its words (`authsrv --spawned --config ...`). */
export interface AuthChildCommand {
  command: string;
  args: readonly string[];
}

export class AuthChildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthChildError';
  }
}

export class SpawnedAuthServer {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  readonly #how: AuthChildCommand;

  constructor(how: AuthChildCommand) {
    this.#how = how;
  }

  /** Starts the AS and resolves once it listens; rejects (AuthChildError) if it exits first or never says so. */
  start(readyTimeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const child = this.#launch(false, () => {
        ready = true;
        clearTimeout(timer);
        resolve();
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new AuthChildError(`the authentication server did not get ready within ${readyTimeoutMs / 1000} s`));
      }, readyTimeoutMs);
      const failed = (why: string): void => {
        if (ready) return;
        clearTimeout(timer);
        reject(new AuthChildError(`the authentication server ${why}`));
      };
      child.once('error', (err) => failed(`could not start (${err.message})`));
      child.once('exit', (code, signal) => failed(`exited before it was ready (${signal ?? code})`));
    });
  }

  /** `restartAlways`: a restart's child, restarted whatever it died of; the first only once it was ready. */
  #launch(restartAlways: boolean, onReady: () => void): ChildProcess {
    // fd 3: the AS writes "ready" there once its sockets listen (src/cli/authsrv.ts)
    const child = spawn(this.#how.command, [...this.#how.args], { stdio: ['pipe', 'inherit', 'inherit', 'pipe'] });
    this.#child = child;
    child.stdin!.on('error', () => undefined);
    // once "ready" came, this child is the AS: its death is restarted from then on
    let restartable = restartAlways;
    const readiness = child.stdio[3] as NodeJS.ReadableStream | null;
    let said = '';
    const onData = (d: Buffer): void => {
      said = (said + d.toString('latin1')).slice(-16); // the one word it writes; nothing else is kept
      if (!said.includes('ready\n')) return;
      readiness?.off('data', onData);
      restartable = true;
      onReady();
    };
    readiness?.on('data', onData);
    readiness?.on('error', () => undefined);
    let restarted = false;
    const restart = (why: string): void => {
      if (this.#stopping || restarted || !restartable) return; // the first child's failure is start()'s to report
      restarted = true;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#restarts++, 6));
      log.error(`authentication server ${why}; restarting it in ${delay} ms`);
      setTimeout(() => {
        if (!this.#stopping) this.#launch(true, () => undefined);
      }, delay).unref();
    };
    // a spawn that fails (EAGAIN, ENOMEM) is an 'error', not an 'exit': without a listener it would end serve
    child.on('error', (err) => restart(`could not start (${err.message})`));
    child.once('exit', (code, signal) => restart(`exited (${signal ?? code})`));
    return child;
  }

  /** The signal that ends serve also reaches the child (same process group): no restart from here on. */
  stopping(): void {
    this.#stopping = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
