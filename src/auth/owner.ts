// The unit's owner: the principal the label code is the first password of (issue 14, docs/auth-protocol.md).
// Until an administrator records roles for it in walnut.db, the owner has every NUT right; its password is the
// AS's to check like anyone's, so before the claim (no key at the AS) it has none of them in practice.
import { OWNER_NAME } from './owner-name.ts';
import { rolesFromUserConfig, type Roles } from './roles.ts';

export const OWNER = Buffer.from(OWNER_NAME);

/** SET and FSD, every instant command: what upsd.users gives an administrator. */
export function ownerRoles(): Roles {
  return rolesFromUserConfig({ actions: ['SET', 'FSD'], instcmds: ['ALL'] });
}
