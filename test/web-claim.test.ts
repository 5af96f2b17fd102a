// Issue 15, acceptance 1: a fresh unit claimed in real Chromium — label code, new password, dashboard — through a
// proxy that records the plaintext inside TLS (test/helpers/tls-recorder.ts): neither the code nor the password
// is in it, in any encoding. A wrong code first shows an error and counts against the setup window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSetupCode, formatSetupCode } from '../src/factory/setup-code.ts';
import { DESKTOP, PHONE, horizontalOverflow, launchTrusting, textMatches } from './helpers/browser.ts';
import { run } from './helpers/clients.ts';
import { tlsRecorder } from './helpers/tls-recorder.ts';
import { REPO, X64_BINARY, authServerReady, shownSetupCode, startWalnut } from './helpers/walnut.ts';
import { encodings } from './helpers/wire.ts';

const SHOTS = join(REPO, 'out', 'screenshots');
const NEW_PASSWORD = 'a long owner password 7';

test('a fresh unit is claimed in the browser with its label code; neither the code nor the new password reaches the server', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const w = await startWalnut();
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await authServerReady(w);
    const code = shownSetupCode(w);
    assert.ok(code, w.logs());
    const recorder = await tlsRecorder(w.dataDir, await w.webPort());
    const origin = `https://127.0.0.1:${recorder.port}`;
    const { page, consoleErrors, requests } = await browser.page(DESKTOP);
    await page.goto(`${origin}/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('form[aria-labelledby=claim-title]');
    await page.screenshot({ path: join(SHOTS, 'claim-desktop.png'), fullPage: true });

    // a well-formed code that is not this unit's: refused by the AS, shown, and counted by the setup window
    let wrong = formatSetupCode(generateSetupCode());
    while (wrong.replaceAll('-', '') === code.replaceAll('-', '')) wrong = formatSetupCode(generateSetupCode());
    await page.type('input[name=code]', wrong);
    await page.type('input[name=new-password]', NEW_PASSWORD);
    await page.type('input[name=new-password-again]', NEW_PASSWORD);
    await page.click('button[type=submit]');
    assert.match(await textMatches(page, '[role=alert]', /refused/), /setup code was refused/);
    const status = await run(X64_BINARY, ['setup', 'status', '--config', join(w.dir, 'walnut.json')]);
    assert.match(status.stdout, /unclaimed; setup window open until .* \(1 failed attempts\)/, status.stdout + status.stderr);

    // the right code
    await page.click('input[name=code]', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type('input[name=code]', code);
    await page.click('button[type=submit]');
    await textMatches(page, '#status-headline', /On line/, 30_000);
    await page.screenshot({ path: join(SHOTS, 'dashboard-desktop.png'), fullPage: true });
    assert.equal(await horizontalOverflow(page), 0, 'the dashboard fits the desktop width');

    const cookies = await browser.browser.cookies();
    const session = cookies.find((c) => c.name === '__Host-walnut');
    assert.ok(session, 'a session cookie is set');
    assert.deepEqual({ secure: session.secure, httpOnly: session.httpOnly, sameSite: session.sameSite, path: session.path }, { secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });

    // the owner's password now logs in over NUT too: the claim really set it at the AS
    const ping = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: `${NEW_PASSWORD}\n` });
    assert.equal(ping.code, 0, ping.stderr);

    const text = recorder.recorded().toString('latin1');
    assert.match(text, /POST \/api\/flows\/relay/, 'the recorder saw the plaintext');
    for (const secret of [code, NEW_PASSWORD]) {
      for (const form of encodings(secret)) assert.ok(!text.includes(form), `the recorded traffic holds ${JSON.stringify(form)}`);
    }
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(origin.replace('https', 'wss'))), [], 'no other origin is contacted');

    // the phone width: the same pages fit
    const phone = await browser.page(PHONE);
    await phone.page.goto(`${origin}/`, { waitUntil: 'networkidle0' });
    await textMatches(phone.page, '#status-headline', /On line/);
    await phone.page.screenshot({ path: join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    assert.equal(await horizontalOverflow(phone.page), 0, 'the dashboard fits a phone');
    await recorder.close();
  } finally {
    await browser.close();
    await w.stop();
  }
});
