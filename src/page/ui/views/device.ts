// The device page: every variable with what it means, the writable ones with their type, and the instant
// commands — with a confirmation, and only for accounts that may run them (the API refuses the rest anyway).
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import { may, type Hello } from '../session.ts';
import { alertRegion } from './forms.ts';

interface VarRow { name: string; value: string; description: string | null; writable: boolean; type?: { maxLength: number | null; enum: string[] | null; ranges: { min: number; max: number }[] | null } }
interface Snapshot { vars: VarRow[]; commands: { name: string; description: string | null }[] }

function typeText(v: VarRow): string {
  if (!v.writable || !v.type) return '';
  if (v.type.enum?.length) return `one of ${v.type.enum.join(', ')}`;
  if (v.type.ranges?.length) return `range ${v.type.ranges.map((r) => `${r.min}–${r.max}`).join(', ')}`;
  return v.type.maxLength ? `text, up to ${v.type.maxLength}` : 'text';
}

/** A variable's name with a line-break chance before each dot, so a narrow column breaks it there and only there. */
const nameParts = (name: string): (string | HTMLElement)[] => name.split('.').flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), `.${part}`]));

export function deviceView(hello: Hello): HTMLElement {
  const table = h('tbody');
  const commands = h('ul', { class: 'commands' });
  const alert = alertRegion();
  const result = h('p', { role: 'status', id: 'command-result' });
  const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' });
  const el = h('div', { class: 'device' },
    h('section', { class: 'card', 'aria-labelledby': 'commands-title' }, h('h1', { id: 'commands-title' }, 'Commands'), commands, alert.el, result),
    h('section', { class: 'card', 'aria-labelledby': 'vars-title' },
      h('h2', { id: 'vars-title' }, 'Variables'),
      h('div', { class: 'scroll' }, h('table', { class: 'stack vars' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Variable'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Meaning'))), table)),
    ),
    dialog,
  );
  const confirmRun = (name: string, description: string | null): void => {
    const yes = h('button', { type: 'button', class: 'primary' }, 'Run it');
    const no = h('button', { type: 'button' }, 'Cancel');
    fill(dialog, h('h2', { id: 'confirm-title' }, `Run ${name}?`), h('p', {}, description ?? 'An instant command of the UPS.'), h('div', { class: 'actions' }, no, yes));
    no.addEventListener('click', () => dialog.close());
    yes.addEventListener('click', () => {
      dialog.close();
      alert.clear();
      result.textContent = `Running ${name}…`;
      void api<{ result: string }>('POST', '/api/ups/command', { command: name }).then(
        (r) => {
          result.textContent = `${name}: ${r.result}`;
          if (name.startsWith('test.battery.')) for (const ms of [2000, 5000, 10_000]) setTimeout(refreshTest, ms);
        },
        (err: Error) => {
          result.textContent = '';
          alert.show(`${name}: ${err.message}`);
        },
      );
    });
    dialog.showModal();
    no.focus();
  };
  const testResult = h('p', { id: 'battery-test-result', role: 'status' });
  commands.before(testResult);
  const showTest = (s: Snapshot): void => {
    const r = s.vars.find((v) => v.name === 'ups.test.result')?.value;
    testResult.textContent = r ? `Last battery test: ${r}` : '';
  };
  // after a battery test starts, its result changes within seconds (NUT's ups.test.result): read it again
  const refreshTest = (): void => void api<Snapshot>('GET', '/api/ups').then(showTest, () => undefined);
  void api<Snapshot>('GET', '/api/ups').then((s) => {
    showTest(s);
    fill(table, ...s.vars.map((v) => h('tr', {},
      h('th', { scope: 'row' }, h('code', {}, ...nameParts(v.name))),
      h('td', {}, v.value, v.writable ? h('span', { class: 'tag' }, ` writable${typeText(v) ? `: ${typeText(v)}` : ''}`) : null),
      h('td', { class: 'meaning' }, v.description ?? ''),
    )));
    const canRun = may(hello, 'operator');
    fill(commands, ...s.commands.map((c) => h('li', {},
      canRun ? h('button', { type: 'button', 'data-command': c.name, onclick: () => confirmRun(c.name, c.description) }, c.name) : h('code', {}, c.name),
      c.description ? h('span', { class: 'hint' }, c.description) : null,
    )));
    if (!canRun) commands.after(h('p', { class: 'hint' }, 'Your account may look but not run commands.'));
  }, (err: Error) => alert.show(err.message));
  return el;
}
