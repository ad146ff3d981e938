import { z } from 'zod';
import { ApiKeySummary, CreateApiKeyInput, CreatedApiKey } from '../../shared/auth';
import { NoInput } from '../../shared/no-input';
import { guardedProcedure, router } from '../trpc';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';

// Managing keys is its own scope: a key that may write records must not be able to mint itself more.
const adminProcedure = guardedProcedure({ role: 'admin', scope: 'keys:write' });

export const apiKeysRouter = router({
  list: adminProcedure
    .input(NoInput)
    .output(z.array(ApiKeySummary))
    .query(({ ctx }) => listApiKeys(ctx.services.database.db, ctx.identity.workspace.id)),

  create: adminProcedure
    .input(CreateApiKeyInput)
    .output(CreatedApiKey)
    .mutation(({ ctx, input }) =>
      createApiKey(
        ctx.services.database.db,
        {
          workspaceId: ctx.identity.workspace.id,
          userId: ctx.identity.user.id,
          email: ctx.identity.user.email,
        },
        input,
        ctx.identity.via === 'api_key' ? ctx.identity.scopes : undefined,
      ),
    ),

  revoke: adminProcedure
    .input(z.strictObject({ id: z.string().uuid() }))
    .output(ApiKeySummary)
    .mutation(({ ctx, input }) =>
      // Forgotten after the update, whatever its answer: a lookup racing it cannot cache the key again.
      revokeApiKey(ctx.services.database.db, ctx.identity.workspace.id, input.id).finally(() =>
        ctx.services.identities.forgetApiKey(input.id),
      ),
    ),
});
