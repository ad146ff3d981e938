import { initTRPC } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { type ErrorCode, errorCatalog, type StructuredError } from '../shared/errors';
import { type AccessGuard, assertAllowed, authenticateCall } from './access';
import type { Context } from './context';
import { toApiError, toStructuredError } from './errors/to-structured';

/** `data` of every tRPC error: the structured error, plus what tRPC needs to set the HTTP status. */
export interface ErrorData extends StructuredError {
  code: ErrorCode;
  httpStatus: number;
  path?: string;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ error, ctx, path }) {
    const structured = toStructuredError(error, ctx?.requestId);
    const spec = errorCatalog[structured.code];
    // Headers an ApiError asks for (Retry-After) travel with the response, whichever procedure threw.
    const headers = toApiError(error)?.headers;
    if (headers && ctx) for (const [name, value] of Object.entries(headers)) ctx.setHeader(name, value);
    const data: ErrorData = { ...structured, httpStatus: spec.status, ...(path ? { path } : {}) };
    return { message: structured.message, code: TRPC_ERROR_CODES_BY_KEY[spec.trpcCode], data };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/** An identity is required; ctx.identity is narrowed to non-null, and each call spends rate-limit points. */
export const authedProcedure = t.procedure.use(async ({ ctx, type, next }) => {
  const identity = await authenticateCall(ctx.services, ctx.identity, type === 'mutation' ? 'write' : 'read');
  return next({ ctx: { ...ctx, identity } });
});

/** A procedure for callers whose role is at least `role` and, when calling with an API key, that hold `scope`. */
export function guardedProcedure(guard: AccessGuard) {
  return authedProcedure.use(({ ctx, next }) => {
    assertAllowed(ctx.identity, guard);
    return next();
  });
}
