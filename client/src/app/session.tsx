import { createContext, useContext } from 'react';
import type { Me } from '../../../shared/auth';
import { type Role, roleRank } from '../../../shared/auth';

/**
 * The signed-in user. The session cookie is HttpOnly, so the page cannot see it; a hint in localStorage
 * says whether asking `auth.me` is worth it, which spares a visitor a 401 before the login page.
 */
export const SessionContext = createContext<Me | null>(null);

export function useSession(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useSession outside of a signed-in page');
  return me;
}

const hintKey = 'crm.session';

export const sessionHint = {
  present: () => window.localStorage.getItem(hintKey) === '1',
  set: () => window.localStorage.setItem(hintKey, '1'),
  clear: () => window.localStorage.removeItem(hintKey),
};

export function hasRole(me: Me, role: Role): boolean {
  return roleRank[me.user.role] >= roleRank[role];
}

/** Why the signed-in user cannot export, or null when they can. */
export function exportBlockedReason(me: Me): string | null {
  return hasRole(me, 'member')
    ? null
    : 'Viewers can browse records but not export them. Ask a workspace admin for the member role.';
}
