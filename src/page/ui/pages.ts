// The logged-in pages: their address, their name in the menu, the least role that sees them, and how to build
// them. A page a role may not see is left out of its menu (the API refuses its calls anyway: src/web/api.ts).
import type { Hello, Role } from './session.ts';
import { clientsView } from './views/clients.ts';
import { dashboardView } from './views/dashboard.ts';
import { deviceView } from './views/device.ts';
import { eventsView } from './views/events.ts';
import { historyView } from './views/history.ts';
import { passwordView } from './views/password.ts';
import { usersView } from './views/users.ts';
import { policyView } from './views/policy.ts';
import { systemView } from './views/system.ts';
import { wizardView } from './views/wizard.ts';

export interface View {
  el: HTMLElement;
  /** timers and sockets to stop when the page is left */
  stop?: () => void;
}

export interface PageSpec {
  hash: string;
  label: string;
  minRole: Role;
  view: (hello: Hello) => View;
}

export const PAGES: readonly PageSpec[] = [
  { hash: '#/', label: 'Dashboard', minRole: 'viewer', view: (hello) => dashboardView(hello) },
  { hash: '#/history', label: 'History', minRole: 'viewer', view: () => historyView() },
  { hash: '#/device', label: 'Device', minRole: 'viewer', view: (hello) => ({ el: deviceView(hello) }) },
  { hash: '#/events', label: 'Events', minRole: 'viewer', view: () => ({ el: eventsView() }) },
  { hash: '#/clients', label: 'Clients', minRole: 'viewer', view: (hello) => clientsView(hello) },
  { hash: '#/users', label: 'Users & security', minRole: 'admin', view: (hello) => ({ el: usersView(hello) }) },
  { hash: '#/password', label: 'My password', minRole: 'viewer', view: (hello) => ({ el: passwordView(hello) }) },
  { hash: '#/policy', label: 'Power policy', minRole: 'viewer', view: (hello) => ({ el: policyView(hello) }) },
  { hash: '#/system', label: 'System', minRole: 'viewer', view: (hello) => ({ el: systemView(hello) }) },
  { hash: '#/add-client', label: 'Add a client', minRole: 'admin', view: (hello) => ({ el: wizardView(hello) }) },
];
