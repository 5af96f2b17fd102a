// The socket side of the NUT server: how replies to pipelined lines leave (src/nut/server.ts header), seen from
// a real loopback client. The writes are counted at the boundary, net.Socket.prototype.write, for the server's
// side of the connection only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startLoopbackServer } from './server-harness.ts';

/** Records the number of reply lines in each write the server makes on connections to `port`. */
function countServerWrites(port: number): { writes: number[]; restore: () => void } {
  const writes: number[] = [];
  const original = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.localPort === port && typeof chunk === 'string' && chunk.length > 0) writes.push(chunk.split('\n').length - 1);
    return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof original;
  return { writes, restore: () => (net.Socket.prototype.write = original) };
}

/** Sends `text` in one write and collects replies until `lines` have arrived. */
function exchange(port: number, text: string, lines: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      if (got.split('\n').length - 1 >= lines) {
        s.destroy();
        resolve(got.split('\n').slice(0, lines));
      }
    });
    s.on('error', reject);
  });
}

/** Runs `body` against a fresh server while counting its writes; both are undone afterwards. */
async function withServer(body: (port: number, writes: number[]) => Promise<void>): Promise<void> {
  const { server, port } = await startLoopbackServer();
  const spy = countServerWrites(port);
  try {
    await body(port, spy.writes);
  } finally {
    spy.restore();
    await server.close();
  }
}

test('replies to 15 pipelined lines leave in writes of 1, 2, 4 and 8 replies, in order', () =>
  withServer(async (port, writes) => {
    const request = Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 'GET VAR ups ups.status\n' : 'GET VAR UPS Ups.Status\n')).join('');
    const replies = await exchange(port, request, 15);
    assert.deepEqual(
      replies,
      Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 'VAR ups ups.status "OL"' : 'VAR UPS Ups.Status "OL"')),
    );
    assert.deepEqual(writes, [1, 2, 4, 8]);
  }));

test('a lone request is answered in one write', () =>
  withServer(async (port, writes) => {
    assert.deepEqual(await exchange(port, 'VER\n', 1), ['walnut test']);
    assert.deepEqual(writes, [1]);
  }));

test('parse errors in a pipelined batch are answered in place and the batch still ends in one last write', () =>
  withServer(async (port, writes) => {
    const replies = await exchange(port, 'GET VAR ups ups.status\nGET "VAR #\nGET VAR ups ups.status\nGET VAR ups ups.status\n', 4);
    assert.deepEqual(replies, ['VAR ups ups.status "OL"', 'ERR INVALID-ARGUMENT', 'VAR ups ups.status "OL"', 'VAR ups ups.status "OL"']);
    // the error rides with the next reply; 3 replies then make writes of 1 and 2 (+ the error line)
    assert.deepEqual(writes, [1, 3]);
  }));

test('the sessions snapshot shows each open connection: a LOGIN and PRIMARY make a primary with its user, a bare connection shows none, a closed one is gone', async () => {
  const { server, port } = await startLoopbackServer({}, { allowed: (user, password) => user === 'nas1' && password === 'pw' });
  try {
    const upsmon = net.connect(port, '127.0.0.1');
    const bare = net.connect(port, '127.0.0.1');
    upsmon.setEncoding('latin1');
    let got = '';
    upsmon.on('data', (d: string) => (got += d));
    await new Promise<void>((r) => upsmon.once('connect', () => r()));
    upsmon.write('USERNAME nas1\nPASSWORD pw\nLOGIN ups\nPRIMARY ups\n');
    const deadline = Date.now() + 5000;
    while (!got.includes('PRIMARY-GRANTED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got, 'OK\nOK\nOK\nOK PRIMARY-GRANTED\n');
    const byPort = new Map(server.sessions().map((s) => [s.port, s]));
    assert.deepEqual({ ...byPort.get(upsmon.localPort!), since: 0 }, { address: '127.0.0.1', port: upsmon.localPort, user: 'nas1', tls: false, since: 0, ups: 'ups', upsmon: 'primary' });
    assert.equal(byPort.get(bare.localPort!)?.user, null);
    bare.destroy();
    while (server.sessions().length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(server.sessions().map((s) => s.port), [upsmon.localPort]);
    upsmon.destroy();
  } finally {
    await server.close();
  }
});
