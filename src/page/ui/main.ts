// The setup page: asks its unit who it is and whether it is claimed, then shows the claim, the login, or the
// logged-in pages (hash routes, so the server serves one document and the CSP stays one rule).
import { h, fill } from './dom.ts';
import { api, setToken } from './http.ts';
import { PAGES } from './pages.ts';
import { may, type Hello } from './session.ts';
import { claimView } from './views/claim.ts';
import { layout } from './views/layout.ts';
import { loginView } from './views/login.ts';

const root = document.getElementById('app')!;
let hello: Hello;
let stopCurrent: (() => void) | undefined;

function show(): void {
  stopCurrent?.();
  stopCurrent = undefined;
  const route = location.hash || '#/';
  if (!hello.session) {
    const claimable = hello.setup === 'open';
    document.title = claimable ? 'Claim — walnut' : 'Log in — walnut';
    fill(root, h('header', { class: 'top plain' }, h('span', { class: 'brand' }, 'walnut')), h('main', { id: 'main', class: 'centered' }, claimable && route !== '#/login' ? claimView(hello, show) : loginView(hello, show),
      claimable ? h('p', { class: 'switch' }, route === '#/login' ? h('a', { href: '#/' }, 'Claim with the setup code instead') : h('a', { href: '#/login' }, 'Already claimed? Log in')) : null));
    // the first field still to fill (the login's user name comes filled in as admin)
    [...root.querySelectorAll('input')].find((i) => i.value === '')?.focus();
    return;
  }
  const visible = PAGES.filter((p) => may(hello, p.minRole));
  const page = visible.find((p) => p.hash === route) ?? visible[0]!;
  document.title = page.hash === '#/' ? `${hello.ups} — walnut` : `${page.label} — walnut`;
  const v = page.view(hello);
  stopCurrent = v.stop;
  fill(root, layout(hello, visible, page.hash, v.el, () => {
    location.hash = '#/';
    show();
  }));
}

async function start(): Promise<void> {
  try {
    hello = await api<Hello>('GET', '/api/hello');
  } catch (err) {
    fill(root, h('main', { class: 'centered' }, h('p', { class: 'alert', role: 'alert' }, (err as Error).message)));
    return;
  }
  setToken(hello.session?.token);
  window.addEventListener('hashchange', show);
  show();
}

void start();
