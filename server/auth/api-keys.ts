import { and, desc, eq, isNull } from 'drizzle-orm';
import { apiKeys, users } from '../../drizzle/schema';
import { type ApiKeyScope, type ApiKeySummary, apiKeyScopes } from '../../shared/auth';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { generateApiKey } from './identity';

const summaryColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  ownerEmail: users.email,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

type SummaryRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  ownerEmail: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

function toSummary(row: SummaryRow): ApiKeySummary {
  return {
    ...row,
    scopes: row.scopes.filter((scope): scope is ApiKeyScope =>
      (apiKeyScopes as readonly string[]).includes(scope),
    ),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export async function listApiKeys(db: Db, workspaceId: string): Promise<ApiKeySummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.workspaceId, workspaceId))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(toSummary);
}

/**
 * A new key for `owner`. `grantorScopes` are the scopes of the API key asking for it (omitted for an
 * admin's session and the CLI): a key can hand on only what it holds, or one leaked key with
 * `keys:write` would mint itself every other scope.
 */
export async function createApiKey(
  db: Db,
  owner: { workspaceId: string; userId: string; email: string },
  input: { name: string; scopes: readonly ApiKeyScope[] },
  grantorScopes?: readonly ApiKeyScope[],
): Promise<ApiKeySummary & { key: string }> {
  if (grantorScopes) {
    const missing = [...new Set(input.scopes)].filter((scope) => !grantorScopes.includes(scope));
    if (missing.length) {
      throw new ApiError(
        'FORBIDDEN',
        `This API key cannot grant scopes it lacks itself: ${missing.join(', ')}`,
        { required_scope: missing[0], missing_scopes: missing, scopes: [...grantorScopes] },
      );
    }
  }
  const generated = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      workspaceId: owner.workspaceId,
      userId: owner.userId,
      name: input.name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      scopes: [...new Set(input.scopes)],
    })
    .returning();
  if (!row) throw new Error('API key insert returned no row');
  return { ...toSummary({ ...row, ownerEmail: owner.email }), key: generated.key };
}

export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<ApiKeySummary> {
  await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  const [row] = await db
    .select(summaryColumns)
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id)));
  if (!row) throw new ApiError('NOT_FOUND', `No API key with id '${id}'`, { id });
  return toSummary(row);
}
