import { type ApiKeyScope, type Role, roleRank } from '../shared/auth';
import type { Identity } from './auth/identity';
import type { AppServices } from './context';
import { ApiError } from './errors/api-error';

/** What a call needs beyond an identity: a role at least `role` and, with an API key, the `scope`. */
export interface AccessGuard {
  role: Role;
  scope: ApiKeyScope;
}

/**
 * The check every authenticated call passes, over tRPC (server/trpc.ts) and the REST routes
 * (server/rest/) alike: an identity is required, and each call spends one rate-limit point of its kind
 * (`write` for mutations and REST POSTs) on the API key or, for a session, the user.
 */
export async function authenticateCall(
  services: Pick<AppServices, 'rateLimits'>,
  identity: Identity | undefined,
  kind: 'read' | 'write',
): Promise<Identity> {
  if (!identity) throw new ApiError('UNAUTHORIZED', 'Authentication required: log in or send an API key');
  const limiterKey = identity.apiKeyId ? `key:${identity.apiKeyId}` : `user:${identity.user.id}`;
  await services.rateLimits.consume(limiterKey, kind);
  return identity;
}

/** FORBIDDEN unless the caller's role reaches `guard.role` and, when calling with an API key, it holds `guard.scope`. */
export function assertAllowed(identity: Identity, guard: AccessGuard): void {
  const { user, via, scopes } = identity;
  if (roleRank[user.role] < roleRank[guard.role]) {
    throw new ApiError('FORBIDDEN', `This action needs the ${guard.role} role`, {
      required_role: guard.role,
      role: user.role,
    });
  }
  if (via === 'api_key' && !scopes.includes(guard.scope)) {
    throw new ApiError('FORBIDDEN', `This API key lacks the ${guard.scope} scope`, {
      required_scope: guard.scope,
      scopes,
    });
  }
}
