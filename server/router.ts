import { apiKeysRouter } from './auth/api-keys-router';
import { authRouter } from './auth/auth-router';
import { recordsRouter } from './records/records-router';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  apiKeys: apiKeysRouter,
  people: recordsRouter('people'),
  companies: recordsRouter('companies'),
  conversations: recordsRouter('conversations'),
  activities: recordsRouter('activities'),
});

export type AppRouter = typeof appRouter;
