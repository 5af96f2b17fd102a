// A HealthInput for the tests of src/web: every counter distinct, so a test can tell which one a line shows.
import type { HealthInput } from './health.ts';

export const NOW = Date.UTC(2026, 0, 1);

export function sampleHealth(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    build: { version: '1.2.3', board: 'x86_64-generic' },
    usbReconnects: 2,
    nutClients: { tls: 3, clear: 1 },
    nut: { accepted: 40, refusedOverCap: 4, idleClosed: 5, stallClosed: 6, httpRefused: 7, parseErrors: 8, requests: 900, badLineClosed: 9 },
    authFailures: { password: 11, ticket: 12, certificate: 13, bearer: 14 },
    certificateNotAfter: new Date(NOW + 30 * 86_400_000),
    now: NOW,
    ...overrides,
  };
}
