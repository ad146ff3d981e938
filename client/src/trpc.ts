import { QueryClient } from '@tanstack/react-query';
import { httpBatchLink, httpLink, splitLink } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import type { AppRouter } from '../../server/router';
import { structuredErrorOf } from '../../shared/api-errors';

export const trpc = createTRPCReact<AppRouter>();

/** Queries are batched; a mutation travels alone, so its HTTP status is exactly its error's status. */
export function createTrpcClient() {
  return trpc.createClient({
    links: [
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
