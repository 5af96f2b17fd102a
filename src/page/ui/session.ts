// The page's view of its unit and its login, from GET /api/hello.
export type Role = 'admin' | 'operator' | 'viewer';

export interface Hello {
  ups: string;
  offer: string | null;
  setup: 'open' | 'closed' | 'claimed' | 'none' | 'unknown';
  session: { user: string; role: Role; token: string; ca?: { pem: string; fingerprint: string } | null } | null;
}

export const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const may = (hello: Hello, role: Role): boolean => hello.session !== null && RANK[hello.session.role] >= RANK[role];
