/**
 * tRPC over Node's HTTP server, through tRPC's fetch adapter instead of its node adapter
 * (`@trpc/server/adapters/standalone`): a request becomes a fetch `Request`, tRPC answers it with a
 * `Response`, and the answer goes out in one write.
 *
 * Why not the node adapter: `exportStatus`, which every open export dialog calls each second, has a
 * target of 1,000 requests/s with p99 < 50 ms while a 1M-row export runs. In a profile of that load (idle
 * server) the node adapter of tRPC 11.19 spent ~10 % of the web's CPU aborting every request's
 * AbortSignal when its response closed, even after it had ended normally (a DOMException with a stack
 * trace each time), and wrote each body through a WHATWG WritableStream chunk by chunk. Here the signal
 * aborts only when the client leaves before the answer is complete, as tRPC 11.25's node adapter does;
 * 11.25 cannot be used because @trpc/react-query stops at 11.19 and the three packages must share one
 * version.
 *
 * Measured with bench/export-status-load.ts's load (autocannon, 10 connections, 5 s, 3 runs each):
 * idle, 1,700–1,780 req/s through the node adapter, 1,870–2,110 through this one; during a 1M-row XLSX
 * export (`npm run bench:export`) 909–922 req/s with p99 41–46 ms before, 991 req/s with p99 38 ms after.
 *
 * tRPC reads only the method, the URL, `content-type`, `trpc-accept` and the body of the Request, so
 * only those are copied; createContext reads everything else from Node's request itself.
 */
import type http from 'node:http';
import type { AnyRouter, inferRouterContext, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';

export interface TrpcHttpOptions<TRouter extends AnyRouter> {
  router: TRouter;
  /** Where the procedures live, e.g. `/trpc` (a procedure's path follows it). */
  endpoint: string;
  maxBatchSize: number;
  createContext(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<inferRouterContext<TRouter>>;
  onError(failure: {
    error: TRPCError;
    path: string | undefined;
    ctx: inferRouterContext<TRouter> | undefined;
  }): void;
}

/** The tRPC headers worth passing on: the body's type, and whether the client takes a streamed batch. */
const forwardedHeaders = ['content-type', 'trpc-accept'] as const;

export function createTrpcHttpHandler<TRouter extends AnyRouter>(options: TrpcHttpOptions<TRouter>) {
  /** `url` is the request's parsed URL; `body` the request body already read (POST), as text. */
  return async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    body: string | undefined,
  ): Promise<void> => {
    const leaving = new AbortController();
    const onClose = () => {
      if (!response.writableEnded) leaving.abort();
    };
    response.once('close', onClose);
    const headers = new Headers();
    for (const name of forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    const answer = await fetchRequestHandler({
      endpoint: options.endpoint,
      req: new Request(url, { method: request.method, headers, body, signal: leaving.signal }),
      router: options.router,
      maxBatchSize: options.maxBatchSize,
      createContext: () => options.createContext(request, response),
      onError: ({ error, path, ctx }) => options.onError({ error, path, ctx }),
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    // The client left: nobody to answer.
    if (response.destroyed || response.writableEnded) return;
    if (!response.headersSent) {
      response.statusCode = answer.status;
      for (const [name, value] of answer.headers) if (name !== 'set-cookie') response.setHeader(name, value);
      const cookies = answer.headers.getSetCookie();
      if (cookies.length) response.setHeader('set-cookie', cookies);
    }
    response.end(payload);
  };
}
