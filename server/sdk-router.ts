/**
 * The router's type as the SDK ships it: every procedure's kind, input and output, and the error shape,
 * and nothing of the server's insides (its context holds the database, the logger, the job queue).
 * scripts/build-sdk.mjs emits the package's declarations from this file. The mapped types below are
 * written inline, without a named alias, on purpose: tsc then spells the evaluated type out in the
 * declaration (every input and output as a plain object type) instead of naming the server's router.
 */
import type {
  AnyTRPCProcedure,
  TRPC_ERROR_CODE_NUMBER,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';
import type { ErrorData } from '../shared/api-errors';
import type { appRouter } from './router';

type ServerRecord = (typeof appRouter)['_def']['record'];

/** Returns nothing at run time: it exists for the type of its call, which tsc evaluates. */
function contractOf<R>(): TRPCBuiltRouter<
  {
    ctx: object;
    meta: object;
    errorShape: { message: string; code: TRPC_ERROR_CODE_NUMBER; data: ErrorData };
    transformer: false;
  },
  {
    [K in keyof R]: R[K] extends AnyTRPCProcedure
      ? R[K]['_def']['type'] extends 'query'
        ? TRPCQueryProcedure<{
            input: R[K]['_def']['$types']['input'];
            output: R[K]['_def']['$types']['output'];
            meta: object;
          }>
        : TRPCMutationProcedure<{
            input: R[K]['_def']['$types']['input'];
            output: R[K]['_def']['$types']['output'];
            meta: object;
          }>
      : {
          [J in keyof R[K]]: R[K][J] extends AnyTRPCProcedure
            ? R[K][J]['_def']['type'] extends 'query'
              ? TRPCQueryProcedure<{
                  input: R[K][J]['_def']['$types']['input'];
                  output: R[K][J]['_def']['$types']['output'];
                  meta: object;
                }>
              : TRPCMutationProcedure<{
                  input: R[K][J]['_def']['$types']['input'];
                  output: R[K][J]['_def']['$types']['output'];
                  meta: object;
                }>
            : never;
        };
  }
> {
  return undefined as never;
}

/** Undefined at run time; its inferred type is what the declaration spells out. */
export const appRouterContract = contractOf<ServerRecord>();
export type AppRouter = typeof appRouterContract;
