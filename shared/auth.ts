import { z } from 'zod';
import { text } from './text';

export const roles = ['admin', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** admin ⊃ member ⊃ viewer */
export const roleRank: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

export const apiKeyScopes = [
  'records:read',
  'records:write',
  'exports:read',
  'exports:write',
  'views:read',
  'views:write',
  'keys:write',
] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** What a new key gets when no scopes are named: everything but managing keys, which must be asked for. */
export const defaultApiKeyScopes: readonly ApiKeyScope[] = apiKeyScopes.filter(
  (scope) => scope !== 'keys:write',
);

export const LoginInput = z.strictObject({
  email: text().trim().toLowerCase().max(320).email(),
  password: text().min(1).max(200),
});

export const Me = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(roles) }),
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  via: z.enum(['session', 'api_key']),
  scopes: z.array(z.enum(apiKeyScopes)),
});
export type Me = z.infer<typeof Me>;

export const ApiKeySummary = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(apiKeyScopes)),
  ownerEmail: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;

export const CreateApiKeyInput = z.strictObject({
  name: text().trim().min(1).max(100),
  scopes: z
    .array(z.enum(apiKeyScopes))
    .min(1)
    .default([...defaultApiKeyScopes]),
});

export const CreatedApiKey = ApiKeySummary.extend({ key: z.string() });
