// The interface between the NUT command layer and the credential check: what a credential may allow, who is
// asking, and the check itself. It lives here, in the accounts layer, because src/nut is the outer layer that
// calls it (docs/architecture.md): src/nut/commands.ts asks an Authorizer, src/auth/authorizer.ts is one.
// Pure types.

/** What a credential may allow (upsd.users actions and instcmds, docs/nut-protocol.md §4.1). */
export type Right =
  | { readonly kind: 'action'; readonly action: 'login' | 'primary' | 'fsd' | 'set' }
  | { readonly kind: 'instcmd'; readonly command: string };

/** Who is asking: the session (address as the socket reports it; `closed` once the connection is gone). */
export interface AuthPeer {
  readonly address: string;
  readonly port?: number;
  readonly closed?: boolean;
}

export interface Authorizer {
  /** True when username + password are valid and grant `right`. Unknown user and wrong password look alike.
   *  Both are NUT words: latin1-decoded bytes (src/auth/bytes.ts). */
  allowed(username: string, password: string, right: Right, peer: AuthPeer): boolean | Promise<boolean>;
  /** True when `username`, proved by a ticket (NUT AUTH), may have `right`: roles and status only. */
  allowedUser?(username: string, right: Right, peer: AuthPeer): boolean | Promise<boolean>;
}
