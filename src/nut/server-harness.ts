// A NUT server on 127.0.0.1 with one UPS model ("ups", OL, no device), for the socket-side tests of this
// folder (server.test.ts, bad-lines.test.ts): real sockets, nothing else.
import { NutServer } from './server.ts';
import type { NutServerLimits } from './server-types.ts';
import { TrackingTable } from './tracking.ts';
import type { Authorizer } from '../auth/rights.ts';
import { UpsModel } from '../ups/model.ts';

export const TEST_LIMITS: NutServerLimits = {
  idleTimeoutMs: 300_000,
  maxConnections: 10,
  outputHighWaterBytes: 65_536,
  writeStallMs: 30_000,
  maxPendingInputBytes: 262_144,
  maxConsecutiveErrors: 20,
};

/** Listens on a free loopback port; the caller closes the server. */
export async function startLoopbackServer(limits: Partial<NutServerLimits> = {}, authorizer: Authorizer = { allowed: () => false }): Promise<{ server: NutServer; port: number }> {
  const ups = new UpsModel({ name: 'ups' });
  ups.setVariable('ups.status', 'OL');
  ups.markConnected();
  const server = new NutServer({
    context: {
      serverInfo: 'walnut test',
      serverVersion: 'test',
      findUps: (name) => (name.toLowerCase() === 'ups' ? ups : undefined),
      upsList: () => [ups],
      authorizer,
      tracking: new TrackingTable(),
    },
    limits: { ...TEST_LIMITS, ...limits },
  });
  const { port } = await server.listen('127.0.0.1', 0);
  return { server, port };
}
