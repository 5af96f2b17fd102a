// Framing on the AS's local sockets (docs/auth-protocol.md §9). TCP 567 carries authsrv's bare fixed-size
// messages; the local sockets carry several conversations at once (one per NUT client relaying through the
// NUT server), so each message travels in a frame:
//
//   frame   = length(u32 BE, of what follows) ‖ id(u32 BE) ‖ payload
//   request payload (authsrv.sock): kind(1) ‖ …
//     'N' AuthNUT   source(64, NUL-padded text) ‖ AuthNUT request(785) ‖ YAs(32)
//     'R' relay     conversation(u32 BE) ‖ source(64) ‖ one whole request of that relayed conversation
//     'E' end       conversation(u32 BE): the relayed conversation is over
//     'S' status    nothing: the reply is one byte, the claim state (SETUP_STATE_*) the web page opens with
//   reply payload: the AS's reply bytes, answered under the request's id ('E' gets an empty reply)
//   admin.sock: the payload is UTF-8 JSON both ways (admin.ts)
//
// The source is the NUT client's address as the NUT server saw it, for the lockout's log and per-source
// accounting; the local socket is only reachable by walnut's own servers, so it is taken as given.
export const MAX_FRAME = 8192;
/** Admin frames carry JSON (a speaks-for database is up to 64 KiB, twice that escaped). */
export const MAX_ADMIN_FRAME = 256 * 1024;
export const SOURCELEN = 64;

export const KIND_NUT = 0x4e; // 'N'
export const KIND_RELAY = 0x52; // 'R'
export const KIND_END = 0x45; // 'E'
export const KIND_STATUS = 0x53; // 'S'

/** The 'S' reply: whether the unit still takes its label code (docs/auth-protocol.md §13). */
export const SETUP_STATE = { none: 0, claimed: 1, open: 2, closed: 3 } as const;
export type SetupStateName = keyof typeof SETUP_STATE;

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export function frame(id: number, payload: Uint8Array, max = MAX_FRAME): Buffer {
  if (payload.length + 4 > max) throw new FrameError('frame too large');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 4, 0);
  head.writeUInt32BE(id >>> 0, 4);
  return Buffer.concat([head, payload]);
}

export interface Frame {
  id: number;
  payload: Buffer;
}

/** Splits a byte stream into frames; a frame over MAX_FRAME is an error (the connection is dropped). */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  readonly #max: number;

  constructor(max = MAX_FRAME) {
    this.#max = max;
  }

  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Frame[] = [];
    for (;;) {
      if (this.#buf.length < 4) break;
      const len = this.#buf.readUInt32BE(0);
      if (len < 4 || len > this.#max) throw new FrameError(`bad frame length ${len}`);
      if (this.#buf.length < 4 + len) break;
      out.push({ id: this.#buf.readUInt32BE(4), payload: Buffer.from(this.#buf.subarray(8, 4 + len)) });
      this.#buf = this.#buf.subarray(4 + len);
    }
    if (this.#buf.length > this.#max + 4) throw new FrameError('frame too large');
    return out;
  }
}

export function encodeSource(source: string): Buffer {
  const b = Buffer.alloc(SOURCELEN);
  b.write(source.slice(0, SOURCELEN), 'latin1');
  return b;
}

export function decodeSource(b: Uint8Array): string {
  const s = Buffer.from(b).toString('latin1');
  const end = s.indexOf('\0');
  return (end < 0 ? s : s.slice(0, end)).replace(/[^\x21-\x7e]/g, '?');
}

/** Calls `each` for every whole frame `socket` delivers; a frame over `max` destroys the socket (after `onBad`). */
export function readFrames(
  socket: { on(event: 'data', fn: (chunk: Buffer) => void): unknown; destroy(): void },
  each: (f: Frame) => void,
  max = MAX_FRAME,
  onBad?: (err: FrameError) => void,
): void {
  const reader = new FrameReader(max);
  socket.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch (err) {
      onBad?.(err as FrameError);
      socket.destroy();
      return;
    }
    for (const f of frames) each(f);
  });
}
