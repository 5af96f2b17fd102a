// The power policy page (issue 16): when walnut, as the primary of its UPS, shuts everything down, and how long
// each step waits; and a dry run of the sequence for the secondaries logged in now. The server checks every value
// against the config file's bounds and names the field it refuses; the inputs carry the same bounds as a hint.
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import { may, type Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

type Settings = Record<string, boolean | number | undefined>;
interface PolicyView { settings: Settings; file: Settings; source: 'config file' | 'this unit'; bounds: Record<string, { min: number; max: number }>; phase: string }
interface DryRun { enabled: boolean; triggers: string[]; clients: { user: string; address: string; tls: boolean }[]; steps: { at: number; what: string }[] }

/** The number fields: label, unit, what it means; `optional`: empty turns the trigger off. */
const NUMBERS: readonly { key: string; label: string; unit: string; hint: string; optional?: boolean }[] = [
  { key: 'runtimeBelowSeconds', label: 'Runtime left below', unit: 's', hint: 'On battery with less runtime than this (battery.runtime). Empty: off.', optional: true },
  { key: 'chargeBelowPercent', label: 'Charge below', unit: '%', hint: 'On battery with less charge than this (battery.charge). Empty: off.', optional: true },
  { key: 'onBatteryForSeconds', label: 'On battery for', unit: 's', hint: 'On battery for this long, whatever the battery says. Empty: off.', optional: true },
  { key: 'hostSyncSeconds', label: 'Host sync', unit: 's', hint: 'After FSD, how long to wait for the secondaries to log out (upsmon HOSTSYNC).' },
  { key: 'finalDelaySeconds', label: 'Final delay', unit: 's', hint: 'Then a pause before the UPS is commanded (upsmon FINALDELAY).' },
  { key: 'offDelaySeconds', label: 'Off delay', unit: 's', hint: 'The UPS cuts its output this long after the command (ups.delay.shutdown).' },
  { key: 'onDelaySeconds', label: 'On delay', unit: 's', hint: 'And powers its load again this long after mains return (ups.delay.start).' },
];

const PHASES: Record<string, string> = {
  off: 'Off: walnut never sets FSD nor commands the UPS.',
  idle: 'Idle: watching the UPS.',
  waiting: 'A shutdown is under way: FSD is set, waiting for the secondaries.',
  'final-delay': 'A shutdown is under way: final delay.',
  commanded: 'A shutdown is under way: the UPS has been commanded.',
};

const seconds = (s: number): string => `${Number.isInteger(s) ? s : s.toFixed(2)} s`;

function checkbox(id: string, label: string): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'checkbox', id, name: id });
  return { row: h('div', { class: 'check' }, input, h('label', { htmlFor: id }, label)), input };
}

export function policyView(hello: Hello): HTMLElement {
  const canEdit = may(hello, 'operator');
  const alert = alertRegion();
  const saved = h('p', { role: 'status', id: 'policy-status' });
  const source = h('p', { class: 'hint', id: 'policy-source' });
  const phase = h('p', { id: 'policy-phase' });
  const enabled = checkbox('enabled', 'walnut shuts down the network as the primary of this UPS');
  const lowBattery = checkbox('onBatteryLowBattery', 'On battery and the UPS reports low battery (upsmon\'s rule)');
  const inputs = new Map<string, HTMLInputElement>();
  const rows = new Map<string, HTMLElement>();
  for (const n of NUMBERS) {
    const f = field(`${n.label} (${n.unit})`, { type: 'number', name: n.key, step: 'any', ...(n.optional ? {} : { required: true }) }, n.hint);
    inputs.set(n.key, f.input);
    rows.set(n.key, f.row);
  }
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const useFile = h('button', { type: 'button', id: 'use-file' }, 'Use the config file\'s');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'policy-title' },
    h('h1', { id: 'policy-title' }, 'Power policy'),
    phase, source,
    h('fieldset', {}, h('legend', {}, 'When to shut down'), enabled.row, lowBattery.row,
      h('p', { class: 'hint' }, 'Every trigger needs the UPS on battery; any one of them starts the shutdown.'),
      rows.get('runtimeBelowSeconds')!, rows.get('chargeBelowPercent')!, rows.get('onBatteryForSeconds')!),
    h('fieldset', {}, h('legend', {}, 'Host sync and delays'), rows.get('hostSyncSeconds')!, rows.get('finalDelaySeconds')!, rows.get('offDelaySeconds')!, rows.get('onDelaySeconds')!),
    alert.el, saved,
    canEdit ? h('div', { class: 'actions' }, useFile, save) : h('p', { class: 'hint' }, 'Your account may look but not change the policy.'),
  );

  const show = (v: PolicyView): void => {
    enabled.input.checked = v.settings.enabled === true;
    lowBattery.input.checked = v.settings.onBatteryLowBattery === true;
    for (const n of NUMBERS) {
      const input = inputs.get(n.key)!;
      const b = v.bounds[n.key];
      if (b) {
        input.min = String(b.min);
        input.max = String(b.max);
        const hint = rows.get(n.key)!.querySelector('.hint');
        if (hint) hint.textContent = `${n.hint} ${b.min} to ${b.max} ${n.unit}.`;
      }
      const value = v.settings[n.key];
      input.value = typeof value === 'number' ? String(value) : '';
      input.removeAttribute('aria-invalid');
      input.disabled = !canEdit;
    }
    enabled.input.disabled = lowBattery.input.disabled = !canEdit;
    useFile.hidden = v.source === 'config file';
    source.textContent = v.source === 'this unit'
      ? 'Saved on this unit: these settings replace the config file\'s shutdown section until you use the file\'s again or reset the unit.'
      : 'From the config file (shutdown section). Saving here keeps the settings on this unit instead.';
    phase.textContent = PHASES[v.phase] ?? v.phase;
  };

  const read = (): Settings => {
    const out: Settings = { enabled: enabled.input.checked, onBatteryLowBattery: lowBattery.input.checked };
    for (const n of NUMBERS) {
      const text = inputs.get(n.key)!.value.trim();
      // an empty optional trigger is off; anything else goes to the server as typed, which checks it
      if (text === '' && n.optional) out[n.key] = undefined;
      else out[n.key] = text === '' ? Number.NaN : Number(text);
    }
    return out;
  };

  const send = (settings: Settings | null): Promise<void> => busy(save, 'Saving…', async () => {
    alert.clear();
    saved.textContent = '';
    for (const i of inputs.values()) i.removeAttribute('aria-invalid');
    try {
      // NaN is not JSON: a field typed wrong goes as text, and the server names it
      const body = settings === null ? null : Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined).map(([k, v]) => [k, typeof v === 'number' && Number.isNaN(v) ? inputs.get(k)!.value : v]));
      show(await api<PolicyView>('POST', '/api/policy', { settings: body }));
      saved.textContent = settings === null ? 'The config file\'s policy runs now.' : 'Saved. The running policy uses it now.';
    } catch (err) {
      const message = (err as Error).message;
      alert.show(message);
      const key = /^shutdown\.(\w+):/.exec(message)?.[1];
      const input = key ? inputs.get(key) : undefined;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send(read());
  });
  useFile.addEventListener('click', () => void send(null));
  void api<PolicyView>('GET', '/api/policy').then(show, (err: Error) => alert.show(err.message));

  return h('div', { class: 'policy' }, form, dryRunCard());
}

/** The dry run: what would happen now, for the secondaries logged in now, with the latest time of each step. */
function dryRunCard(): HTMLElement {
  const out = h('div', { id: 'dry-run' });
  const alert = alertRegion();
  const run = h('button', { type: 'button', id: 'run-dry-run' }, 'Run the dry run');
  run.addEventListener('click', () => void busy(run, 'Running…', async () => {
    alert.clear();
    try {
      const r = await api<DryRun>('GET', '/api/policy/dry-run');
      fill(out,
        !r.enabled ? h('p', {}, 'Shutdown is off: nothing would happen.') : r.triggers.length === 0 ? h('p', {}, 'No trigger is set: nothing would start a shutdown.') : null,
        h('h3', {}, 'Secondaries logged in now'),
        r.clients.length === 0
          ? h('p', { id: 'dry-run-no-clients' }, 'None: walnut would not wait for anyone.')
          : h('ul', { id: 'dry-run-clients' }, ...r.clients.map((c) => h('li', {}, h('code', {}, c.user || '(no user)'), ` at ${c.address}${c.tls ? ', over TLS' : ', not encrypted'}`))),
        r.steps.length > 0 ? h('h3', {}, 'Steps, in order') : null,
        r.steps.length > 0 ? h('ol', { id: 'dry-run-steps', class: 'steps' }, ...r.steps.map((s) => h('li', {}, h('span', { class: 'at' }, `+${seconds(s.at)}`), ' ', s.what))) : null,
        r.steps.length > 0 ? h('p', { class: 'hint' }, 'Times are the latest each step can come: they assume the secondaries stay logged in until host sync runs out.') : null,
      );
    } catch (err) {
      alert.show((err as Error).message);
    }
  }));
  return h('section', { class: 'card', 'aria-labelledby': 'dry-run-title' },
    h('h2', { id: 'dry-run-title' }, 'Dry run'),
    h('p', { class: 'hint' }, 'What would happen if the policy triggered now. Nothing is set, sent or recorded.'),
    h('div', { class: 'actions start' }, run), alert.el, out);
}
