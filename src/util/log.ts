// One logger for the whole process: `<time> <level> <component>: <message>` lines on stderr, which systemd's
// journal keeps. Messages are built by callers from already-sanitized text: never pass a secret in.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = ORDER.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

/** Redirects log lines (tests capture them). */
export function setLogSink(fn: (line: string) => void): void {
  sink = fn;
}

/** Printable ASCII only: peer-controlled text cannot forge log lines or smuggle terminal escapes. */
export function clean(text: string, max = 200): string {
  const s = text.replace(/[^\x20-\x7e]/g, '?');
  return s.length > max ? s.slice(0, max) + '...' : s;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function logger(component: string): Logger {
  const emit = (level: Level, message: string): void => {
    if (ORDER[level] < threshold) return;
    sink(`${new Date().toISOString()} ${level} ${component}: ${message}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}
