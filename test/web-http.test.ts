// The setup page's HTTP surface as curl sees it: the headers every response carries (issue 15: a CSP without
// unsafe-inline/unsafe-eval, HSTS, no framing, no referrer), the page's files precompressed and cached, and the
// optional plain-HTTP listener that only redirects to HTTPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from './helpers/clients.ts';
import { startWalnut } from './helpers/walnut.ts';

const curl = (args: string[]) => run('curl', ['-sS', '--max-time', '10', ...args]);
const headersOf = (text: string): Map<string, string> =>
  new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));

test('the page comes with its security headers, brotli when asked, hashed files cached for a year, and a 304 for a current copy', async () => {
  const w = await startWalnut();
  try {
    const base = `https://127.0.0.1:${await w.webPort()}`;
    const ca = ['--cacert', join(w.dataDir, 'tls', 'ca.pem')];
    const page = await curl([...ca, '-D', '-', '-o', '/dev/null', '-H', 'Accept-Encoding: br', `${base}/`]);
    const h = headersOf(page.stdout);
    assert.match(page.stdout, /^HTTP\/1\.1 200/);
    const csp = h.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(h.get('strict-transport-security') ?? '', /max-age=\d{7,}/);
    assert.equal(h.get('referrer-policy'), 'no-referrer');
    assert.equal(h.get('x-frame-options'), 'DENY');
    assert.equal(h.get('content-encoding'), 'br');
    assert.equal(h.get('cache-control'), 'no-cache');

    const html = (await curl([...ca, `${base}/`])).stdout;
    const script = /src="\/(app-[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const js = headersOf((await curl([...ca, '-D', '-', '-o', '/dev/null', '-H', 'Accept-Encoding: gzip', `${base}/${script}`])).stdout);
    assert.equal(js.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(js.get('content-encoding'), 'gzip');
    const again = await curl([...ca, '-D', '-', '-o', '/dev/null', '-H', `If-None-Match: ${js.get('etag')}`, `${base}/${script}`]);
    assert.match(again.stdout, /^HTTP\/1\.1 304/);
    const missing = await curl([...ca, '-D', '-', '-o', '/dev/null', `${base}/nothing-here.js`]);
    assert.match(missing.stdout, /^HTTP\/1\.1 404/);
    assert.ok(headersOf(missing.stdout).get('content-security-policy'), 'errors carry the headers too');
  } finally {
    await w.stop();
  }
});

test('the plain-HTTP listener answers every request with a redirect to the HTTPS page and serves nothing itself', async () => {
  const w = await startWalnut({ config: { web: { listen: ['127.0.0.1:0'], redirectListen: ['127.0.0.1:0'] } } });
  try {
    const webPort = await w.webPort();
    const port = Number(/redirecting http:\/\/127\.0\.0\.1:(\d+)\//.exec(w.logs())?.[1]);
    assert.ok(port > 0, w.logs());
    for (const path of ['/', '/api/hello', '/metrics']) {
      const r = await curl(['-D', '-', '-o', '/dev/null', '-H', 'Host: ups.local', `http://127.0.0.1:${port}${path}`]);
      assert.match(r.stdout, /^HTTP\/1\.1 308/);
      assert.equal(headersOf(r.stdout).get('location'), `https://ups.local:${webPort}/`);
    }
  } finally {
    await w.stop();
  }
});
