// The floor under any NUT server written for Node: a server that answers every request line with the same
// `VAR ups ups.status "OL DISCHRG"` and does nothing else (no tokenizer, no UPS model, no limits). bench/run.sh
// measures it beside walnut and upsd in the same seq rounds, so the table shows how much of walnut's CPU per
// GET VAR is Node's own price per request (event loop, V8 calls, libuv) and how much is walnut's work.
//
//   node bench/node-floor.ts --kind net|raw --port N      (prints `listening on 127.0.0.1:N` when ready)
//
// kind net: node:net sockets, 'data' and write(), the API walnut uses.
// kind raw: the libuv TCP handle without net.Socket's streams, through process.binding (deprecated, internal,
//           used here only to measure: walnut never does this). It answers "is it the stream machinery?".
// Loopback only; it runs until SIGTERM (run.sh stops it by PID).
import * as net from 'node:net';

const REPLY = 'VAR ups ups.status "OL DISCHRG"\n';
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const kind = opt('kind') ?? 'net';
const port = Number(opt('port') ?? '0');

function countLines(b: Uint8Array, n: number): number {
  let lines = 0;
  for (let i = 0; i < n; i++) if (b[i] === 0x0a) lines++;
  return lines;
}

function serveNet(): void {
  const server = net.createServer({ noDelay: true }, (s) => {
    s.on('data', (d: Buffer) => {
      const n = countLines(d, d.length);
      if (n > 0) s.write(n === 1 ? REPLY : REPLY.repeat(n), 'latin1');
    });
    s.on('error', () => undefined);
  });
  server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`));
}

interface RawHandle {
  onread: (ab: ArrayBuffer | undefined) => void;
  readStart(): number;
  setNoDelay(on: boolean): number;
  writeLatin1String(req: object, s: string): number;
  close(): void;
}

function serveRaw(): void {
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
  const { TCP, constants } = binding('tcp_wrap') as { TCP: new (type: number) => Record<string, unknown>; constants: { SERVER: number } };
  const stream = binding('stream_wrap') as { WriteWrap: new () => Record<string, unknown>; streamBaseState: Int32Array; kReadBytesOrError: number };
  const server = new TCP(constants.SERVER) as unknown as {
    bind(host: string, port: number): number;
    listen(backlog: number): number;
    getsockname(out: Record<string, unknown>): number;
    onconnection: (status: number, h: RawHandle) => void;
  };
  if (server.bind('127.0.0.1', port) !== 0 || server.listen(511) !== 0) throw new Error(`cannot listen on 127.0.0.1:${port}`);
  server.onconnection = (status, h) => {
    if (status !== 0) return;
    h.setNoDelay(true);
    h.onread = (ab) => {
      const n = stream.streamBaseState[stream.kReadBytesOrError]!;
      if (n < 0 || ab === undefined) {
        h.close();
        return;
      }
      const lines = countLines(new Uint8Array(ab), n);
      if (lines === 0) return;
      const req = new stream.WriteWrap();
      req['handle'] = h;
      req['oncomplete'] = () => undefined;
      req['async'] = false;
      h.writeLatin1String(req, lines === 1 ? REPLY : REPLY.repeat(lines));
    };
    h.readStart();
  };
  const addr: Record<string, unknown> = {};
  server.getsockname(addr);
  console.log(`listening on 127.0.0.1:${String(addr['port'])}`);
}

if (kind === 'raw') serveRaw();
else if (kind === 'net') serveNet();
else {
  console.error(`unknown --kind ${kind} (net, raw)`);
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
