/**
 * The SDK's entry: what a TypeScript (or JavaScript) program imports from the `crm-export` package
 * (packages/sdk, built by scripts/build-sdk.mjs). It exports the client factory, the helpers, the error
 * types and `type AppRouter`, and nothing of the server's insides.
 *   import { createClient, exportToFile } from 'crm-export';
 *   const crm = createClient({ url: 'http://localhost:3000', apiKey: process.env.CRM_API_KEY });
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTRPCClient, httpLink } from '@trpc/client';
import type {
  AnyTRPCProcedure,
  inferProcedureInput,
  inferRouterInputs,
  inferRouterOutputs,
  inferTransformedProcedureOutput,
} from '@trpc/server';
import type { AppRouter } from './sdk-router';

export { type ErrorData, hasErrorCode, structuredErrorOf } from '../shared/api-errors';
export { catalog } from '../shared/catalog';
export type { ErrorCode, ErrorType, StructuredError } from '../shared/errors';
export { errorCatalog, errorCodes } from '../shared/errors';
export type { AppRouter } from './sdk-router';

/** Every procedure's input, by path: `RouterInputs['startExport']`, `RouterInputs['people']['list']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, by path: `RouterOutputs['exportStatus']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type StartExportInput = RouterInputs['startExport'];
export type ExportSummary = RouterOutputs['exportStatus'];
export type ExportStatus = ExportSummary['status'];
export type ExportFormat = ExportSummary['format'];
export type DownloadLink = RouterOutputs['downloadExport'];

export interface ClientOptions {
  /** The server's origin, e.g. http://localhost:3000 */
  url: string;
  /** An API key (`crm_…`); without one, calls carry only `headers` (a session cookie, say). */
  apiKey?: string | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
}

/** Per call: `signal` aborts the request. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  context?: Record<string, unknown> | undefined;
}

/**
 * The client's type: `.query()` on queries, `.mutate()` on mutations, as @trpc/client's TRPCClient types
 * them. Spelled here on @trpc/server's types only: @trpc/client's declarations import its WebSocket
 * link's, which need 'ws' typings that fail under nodenext with skipLibCheck off.
 */
export type ClientOf<TRecord> = {
  [K in keyof TRecord]: TRecord[K] extends AnyTRPCProcedure
    ? TRecord[K]['_def']['type'] extends 'query'
      ? {
          query(
            input: inferProcedureInput<TRecord[K]>,
            options?: CallOptions,
          ): Promise<inferTransformedProcedureOutput<AppRouter, TRecord[K]>>;
        }
      : {
          mutate(
            input: inferProcedureInput<TRecord[K]>,
            options?: CallOptions,
          ): Promise<inferTransformedProcedureOutput<AppRouter, TRecord[K]>>;
        }
    : ClientOf<TRecord[K]>;
};

export type CrmClient = ClientOf<AppRouter['_def']['record']>;

/** One request per call (no batching), so each HTTP status is exactly its error's `status_code`. */
export function createClient(options: ClientOptions): CrmClient {
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

const endStatuses: readonly ExportStatus[] = ['completed', 'failed', 'cancelled', 'expired'];

/** An export that ended without a file: `summary.status` says how, `summary.error` why (when it failed). */
export class ExportNotCompletedError extends Error {
  readonly summary: ExportSummary;
  constructor(summary: ExportSummary) {
    super(
      summary.error
        ? `Export ${summary.id} ${summary.status}: ${summary.error.code}: ${summary.error.message}`
        : `Export ${summary.id} ended as ${summary.status}`,
    );
    this.name = 'ExportNotCompletedError';
    this.summary = summary;
  }
}

export interface WaitOptions {
  /** Called with every status read, including the last one. */
  onProgress?: ((summary: ExportSummary) => void) | undefined;
  /** First pause between polls; it grows by half each time up to `maxIntervalMs`. Default 250. */
  intervalMs?: number | undefined;
  /** Default 5000. */
  maxIntervalMs?: number | undefined;
  /** Give up (rejecting with an Error) after this long. Default: wait as long as it takes. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Polls `exportStatus` with backoff until the export ends. Resolves with the completed export; rejects
 * with ExportNotCompletedError when it failed, was cancelled or expired.
 */
export async function waitForExport(
  client: CrmClient,
  exportId: string,
  options: WaitOptions = {},
): Promise<ExportSummary> {
  const maxIntervalMs = options.maxIntervalMs ?? 5000;
  let intervalMs = Math.min(options.intervalMs ?? 250, maxIntervalMs);
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const summary = await client.exportStatus.query({ exportId }, { signal: options.signal });
    options.onProgress?.(summary);
    if (summary.status === 'completed') return summary;
    if (endStatuses.includes(summary.status)) throw new ExportNotCompletedError(summary);
    if (Date.now() + intervalMs > deadline)
      throw new Error(`Export ${exportId} is still ${summary.status} after ${options.timeoutMs} ms`);
    await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : undefined);
    intervalMs = Math.min(Math.round(intervalMs * 1.5), maxIntervalMs);
  }
}

export interface ExportToFileOptions extends WaitOptions {
  /** Used for the file's download (the signed link); default: the global fetch. */
  fetch?: typeof fetch | undefined;
}

export interface ExportedFile {
  export: ExportSummary;
  path: string;
  bytes: number;
  contentType: string;
}

/**
 * Starts an export, waits for it (polling with backoff) and downloads its file to `path`: written under
 * a temporary name and renamed, so `path` never holds a partial file.
 */
export async function exportToFile(
  client: CrmClient,
  input: StartExportInput,
  path: string,
  options: ExportToFileOptions = {},
): Promise<ExportedFile> {
  const started = await client.startExport.mutate(input, { signal: options.signal });
  options.onProgress?.(started);
  const completed = await waitForExport(client, started.id, options);
  const link = await client.downloadExport.mutate({ exportId: completed.id }, { signal: options.signal });
  const response = await (options.fetch ?? fetch)(link.url, options.signal ? { signal: options.signal } : {});
  if (!response.ok || !response.body) {
    throw new Error(
      `Downloading export ${completed.id} answered ${response.status}: ${await response.text()}`,
    );
  }
  const temporary = `${path}.${process.pid}.partial`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
      createWriteStream(temporary),
    );
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { export: completed, path, bytes: link.size, contentType: link.contentType };
}
