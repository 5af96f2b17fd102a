// The frame around every logged-in page: the unit's name, the pages, who is logged in and a way out.
import { h } from '../dom.ts';
import { api, setToken } from '../http.ts';
import type { Hello } from '../session.ts';

export function layout(hello: Hello, pages: readonly { hash: string; label: string }[], current: string, content: HTMLElement, loggedOut: () => void): HTMLElement {
  const logout = h('button', { type: 'button', class: 'link' }, 'Log out');
  logout.addEventListener('click', () => {
    void api('POST', '/api/logout').catch(() => undefined).then(() => {
      setToken(undefined);
      hello.session = null;
      loggedOut();
    });
  });
  const frame = h('div', { class: 'frame' },
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'walnut'),
      h('nav', { 'aria-label': 'Pages' },
        h('ul', {}, ...pages.map((p) => h('li', {}, h('a', { href: p.hash, ...(p.hash === current ? { 'aria-current': 'page' } : {}) }, p.label)))),
      ),
      h('div', { class: 'who' }, h('span', {}, `${hello.session?.user ?? ''} (${hello.session?.role ?? ''})`), logout),
    ),
    h('main', { id: 'main' }, content),
  );
  // on a phone the menu is one sideways-scrolling line: bring the current page's entry into view
  requestAnimationFrame(() => frame.querySelector('nav a[aria-current=page]')?.scrollIntoView({ block: 'nearest', inline: 'center' }));
  return frame;
}
