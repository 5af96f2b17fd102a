// The owner's principal name as text, in a file of its own so that the setup page (src/page/, bundled for the
// browser, which has no Buffer) can name the owner in a claim without loading owner.ts's Buffer and roles.

/** The principal the label code is the first password of (issue 14, docs/auth-protocol.md §13). */
export const OWNER_NAME = 'admin';
