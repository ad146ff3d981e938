/**
 * What a TypeScript program imports: the router's type and a typed client.
 *   import { createClient, type AppRouter } from 'crm-export';
 *   const crm = createClient({ url: 'http://localhost:3000', apiKey: process.env.CRM_API_KEY });
 */
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from './router';

export { type ErrorData, hasErrorCode, structuredErrorOf } from '../shared/api-errors';
export { catalog } from '../shared/catalog';
export type { ErrorCode, StructuredError } from '../shared/errors';
export { errorCatalog } from '../shared/errors';
export type { AppRouter } from './router';

export interface ClientOptions {
  /** The server's origin, e.g. http://localhost:3000 */
  url: string;
  apiKey?: string;
  /** Extra headers on every request (a session cookie in tests, say). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** One request per call (no batching), so each HTTP status is exactly its error's `status_code`. */
export function createClient(options: ClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        headers: () => ({
          ...options.headers,
          ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
        }),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

export type CrmClient = ReturnType<typeof createClient>;
