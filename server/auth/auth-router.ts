import { z } from 'zod';
import { LoginInput, Me } from '../../shared/auth';
import { NoInput } from '../../shared/no-input';
import type { Context } from '../context';
import { authedProcedure, publicProcedure, router } from '../trpc';
import { type Identity, login, logout, sessionCookieName, sessionLifetimeMs } from './identity';

function toMe(identity: Identity): Me {
  return {
    user: identity.user,
    workspace: identity.workspace,
    via: identity.via,
    scopes: [...identity.scopes],
  };
}

function sessionCookie(ctx: Context, token: string, maxAgeSeconds: number): string {
  const secure = ctx.services.env.APP_URL.startsWith('https://') ? '; Secure' : '';
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export const authRouter = router({
  login: publicProcedure
    .input(LoginInput)
    .output(Me)
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.services.rateLimits.guardLogin(ctx.clientIp, input.email, () =>
        login(ctx.services.database.db, input.email, input.password),
      );
      ctx.setHeader('Set-Cookie', sessionCookie(ctx, session.token, Math.floor(sessionLifetimeMs / 1000)));
      return toMe(session.identity);
    }),

  logout: publicProcedure
    .input(NoInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      if (ctx.sessionToken) {
        await logout(ctx.services.database.db, ctx.sessionToken);
        // After the delete: a lookup racing it cannot put the session back in the cache.
        ctx.services.identities.forgetSession(ctx.sessionToken);
      }
      ctx.setHeader('Set-Cookie', sessionCookie(ctx, '', 0));
      return { ok: true as const };
    }),

  me: authedProcedure
    .input(NoInput)
    .output(Me)
    .query(({ ctx }) => toMe(ctx.identity)),
});
