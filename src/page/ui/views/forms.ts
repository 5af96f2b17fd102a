// Form pieces every view shares: a labelled field, an alert region that screen readers announce, a busy button.
import { h } from '../dom.ts';

let ids = 0;

export function field(label: string, props: Record<string, string | number | boolean>, hint?: string): { row: HTMLElement; input: HTMLInputElement } {
  const id = `f${++ids}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h('input', { id, ...props, ...(hintId ? { 'aria-describedby': hintId } : {}) });
  const row = h('div', { class: 'field' }, h('label', { htmlFor: id }, label), input, hint ? h('p', { class: 'hint', id: hintId! }, hint) : null);
  return { row, input };
}

export function alertRegion(): { el: HTMLElement; show(message: string): void; clear(): void } {
  const el = h('p', { class: 'alert', role: 'alert', hidden: true });
  return {
    el,
    show: (message) => {
      el.textContent = message;
      el.hidden = false;
    },
    clear: () => {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

/** Runs `work` with the button disabled and saying `busyText`; the button comes back as it was. */
export async function busy<T>(button: HTMLButtonElement, busyText: string, work: () => Promise<T>): Promise<T> {
  const text = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = text;
  }
}
