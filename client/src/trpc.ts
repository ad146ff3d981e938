import { QueryClient } from '@tanstack/react-query';
import { httpBatchLink, httpLink, splitLink, type TRPCLink } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import type { AppRouter } from '../../server/router';
import { structuredErrorOf } from '../../shared/api-errors';

export const trpc = createTRPCReact<AppRouter>();

/**
 * tRPC's infinite queries add `direction` ('forward' | 'backward') to their input; this app's lists only
 * page forward, and every procedure's input is strict (an unknown key is a VALIDATION_ERROR), so it is
 * dropped here rather than sent.
 */
export const withoutInfiniteDirection: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) => {
    const input = op.input;
    if (op.type !== 'query' || typeof input !== 'object' || input === null || !('direction' in input))
      return next(op);
    const { direction: _direction, ...rest } = input as Record<string, unknown>;
    return next({ ...op, input: rest });
  };

/** Queries are batched; a mutation travels alone, so its HTTP status is exactly its error's status. */
export function createTrpcClient() {
  return trpc.createClient({
    links: [
      withoutInfiniteDirection,
      splitLink({
        condition: (operation) => operation.type === 'mutation',
        true: httpLink({ url: '/trpc' }),
        false: httpBatchLink({ url: '/trpc', maxItems: 10 }),
      }),
    ],
  });
}

/** Client errors (4xx) are answers, not hiccups: retrying them only delays the message the user needs. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => {
          const structured = structuredErrorOf(error);
          if (structured && structured.status_code < 500) return false;
          return failureCount < 2;
        },
      },
    },
  });
}
