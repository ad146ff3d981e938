import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { apiKeys, sessions, users, workspaces } from '../../drizzle/schema';
import { type ApiKeyScope, apiKeyScopes, type Role } from '../../shared/auth';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { hashPassword, verifyPassword } from './passwords';

export interface Identity {
  user: { id: string; email: string; name: string; role: Role };
  workspace: { id: string; slug: string; name: string };
  via: 'session' | 'api_key';
  /** A session may do all its role allows; an API key only what its scopes name as well. */
  scopes: readonly ApiKeyScope[];
  apiKeyId?: string;
}

export const sessionCookieName = 'crm_session';
export const sessionLifetimeMs = 14 * 24 * 3600 * 1000;

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const identityColumns = {
  user: { id: users.id, email: users.email, name: users.name, role: users.role },
  workspace: { id: workspaces.id, slug: workspaces.slug, name: workspaces.name },
};

/**
 * The hash an unknown email's password is checked against: made with the current parameters (when this
 * module loads, off the main thread), so a login for an account that does not exist costs the same scrypt
 * as one that does, and its timing does not tell which emails have accounts.
 */
let unknownAccountHash: Promise<string> | undefined;
export function unknownAccountPasswordHash(): Promise<string> {
  unknownAccountHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return unknownAccountHash;
}
void unknownAccountPasswordHash();

export async function login(
  db: Db,
  email: string,
  password: string,
  options: { verify?: (password: string, stored: string) => Promise<boolean> } = {},
): Promise<{ token: string; expiresAt: Date; identity: Identity }> {
  const verify = options.verify ?? verifyPassword;
  const [found] = await db
    .select({ ...identityColumns, passwordHash: users.passwordHash })
    .from(users)
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(eq(users.email, email));
  // The same work and the same answer for an unknown email and a wrong password.
  const passwordMatches = await verify(password, found?.passwordHash ?? (await unknownAccountPasswordHash()));
  if (!found || !passwordMatches) {
    throw new ApiError('UNAUTHORIZED', 'Email or password is incorrect');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + sessionLifetimeMs);
  await db.insert(sessions).values({ tokenHash: sha256(token), userId: found.user.id, expiresAt });
  return {
    token,
    expiresAt,
    identity: { user: found.user, workspace: found.workspace, via: 'session', scopes: apiKeyScopes },
  };
}

export async function logout(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
}

/** The caller of a session token and when the session ends; undefined if unknown, ended or expired. */
export async function identityFromSession(
  db: Db,
  token: string,
): Promise<{ identity: Identity; expiresAt: Date } | undefined> {
  const [found] = await db
    .select({ ...identityColumns, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, new Date())));
  if (!found) return undefined;
  const { expiresAt, ...caller } = found;
  return { identity: { ...caller, via: 'session', scopes: apiKeyScopes }, expiresAt };
}

export async function identityFromApiKey(db: Db, key: string): Promise<Identity | undefined> {
  const [found] = await db
    .select({ ...identityColumns, keyId: apiKeys.id, scopes: apiKeys.scopes, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
  if (!found) return undefined;
  // Touch last_used_at at most once a minute: a hot key must not turn every read into a write.
  if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, found.keyId));
  }
  return {
    user: found.user,
    workspace: found.workspace,
    via: 'api_key',
    scopes: found.scopes.filter((scope): scope is ApiKeyScope =>
      (apiKeyScopes as readonly string[]).includes(scope),
    ),
    apiKeyId: found.keyId,
  };
}

/** A new API key: `crm_<prefix>_<secret>`; only its hash is stored, the prefix stays visible. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `crm_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, hash: sha256(key) };
}
