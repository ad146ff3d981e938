import type http from 'node:http';
import { ExportIdInput, ListExportsInput, StartExportInput } from '../../shared/exports';
import { type AccessGuard, assertAllowed, authenticateCall } from '../access';
import type { Identity } from '../auth/identity';
import { ApiError } from '../errors/api-error';
import * as service from '../exports/export-service';
import { type ApiRequest, type ApiRoute, sendJson } from '../http';
import { readJsonBody } from '../http-body';

/**
 * REST routes for exports, for programs that are not TypeScript (HubSpot's and Attio's users expect this
 * shape): the same domain functions as the tRPC procedures (server/exports/export-procedures.ts), with
 * the same guards, rate limits and idempotency. Errors are the flat structured body (server/http.ts).
 *
 *   POST /api/v1/exports                 startExport's input as the body; `Idempotency-Key` header
 *   GET  /api/v1/exports?cursor=&limit=  listExports
 *   GET  /api/v1/exports/{id}            exportStatus
 *   POST /api/v1/exports/{id}/cancel     cancelExport
 *   GET  /api/v1/exports/{id}/download   302 to downloadExport's signed link (409 / 410 from the catalog)
 */

/** As export-procedures.ts: starting and cancelling need member + exports:write; the rest viewer + exports:read. */
export const exportWriteAccess: AccessGuard = { role: 'member', scope: 'exports:write' };
export const exportReadAccess: AccessGuard = { role: 'viewer', scope: 'exports:read' };

/** Any path segment up to the next slash; the id's format is checked by ExportIdInput (a 400, not a 404). */
const idSegment = '([^/]+)';

/**
 * The caller, authenticated, rate-limited and allowed. `kind` is what the tRPC procedure spends: a
 * mutation's `write` (start, cancel, download) or a query's `read`.
 */
async function callerFor(request: ApiRequest, kind: 'read' | 'write', guard: AccessGuard): Promise<Identity> {
  const identity = await authenticateCall(request.services, await request.identity(), kind);
  assertAllowed(identity, guard);
  return identity;
}

function exportIdOf(request: ApiRequest): string {
  return ExportIdInput.parse({ exportId: request.params[0] }).exportId;
}

/** `Idempotency-Key` (the header HubSpot, Stripe and the IETF draft use) is startExport's idempotencyKey. */
function withIdempotencyKey(request: ApiRequest, body: unknown): unknown {
  const header = request.raw.headers['idempotency-key'];
  if (header === undefined) return body;
  const key = Array.isArray(header) ? header[0] : header;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const given = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (given !== undefined && given !== key)
    throw new ApiError('VALIDATION_ERROR', 'Idempotency-Key and the body’s idempotencyKey differ', {
      issues: [{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header' }],
    });
  return { ...body, idempotencyKey: key };
}

/** The query string as listExports' input: `limit` is a number there, and unknown parameters are refused. */
function listInputOf(url: URL): unknown {
  const input: Record<string, unknown> = {};
  for (const [name, value] of url.searchParams) input[name] = value;
  if (typeof input.limit === 'string' && /^\d{1,6}$/.test(input.limit)) input.limit = Number(input.limit);
  return input;
}

function sendCreated(response: http.ServerResponse, location: string, body: unknown): void {
  response.setHeader('Location', location);
  sendJson(response, 201, body);
}

export const startExportRoute: ApiRoute = {
  method: 'POST',
  path: /^\/v1\/exports$/,
  async handle(request, response) {
    const identity = await callerFor(request, 'write', exportWriteAccess);
    const body = await readJsonBody(request.raw, { maxBytes: request.services.env.MAX_BODY_BYTES });
    const input = StartExportInput.parse(withIdempotencyKey(request, body ?? {}));
    const started = await service.startExport(request.services, identity, input, {
      requestId: request.requestId,
    });
    sendCreated(response, `/api/v1/exports/${started.id}`, started);
  },
};

export const listExportsRoute: ApiRoute = {
  method: 'GET',
  path: /^\/v1\/exports$/,
  async handle(request, response) {
    const identity = await callerFor(request, 'read', exportReadAccess);
    const input = ListExportsInput.parse(listInputOf(request.url));
    sendJson(response, 200, await service.listExports(request.services, identity, input));
  },
};

export const exportStatusRoute: ApiRoute = {
  method: 'GET',
  path: new RegExp(`^/v1/exports/${idSegment}$`),
  async handle(request, response) {
    const identity = await callerFor(request, 'read', exportReadAccess);
    sendJson(response, 200, await service.exportStatus(request.services, identity, exportIdOf(request)));
  },
};

export const cancelExportRoute: ApiRoute = {
  method: 'POST',
  path: new RegExp(`^/v1/exports/${idSegment}/cancel$`),
  async handle(request, response) {
    const identity = await callerFor(request, 'write', exportWriteAccess);
    sendJson(response, 200, await service.cancelExport(request.services, identity, exportIdOf(request)));
  },
};

/** 302 to the signed link, which authenticates by itself (a browser or `curl -L` follows it without the key). */
export const downloadExportRoute: ApiRoute = {
  method: 'GET',
  path: new RegExp(`^/v1/exports/${idSegment}/download$`),
  async handle(request, response) {
    const identity = await callerFor(request, 'write', exportReadAccess);
    const { services } = request;
    const link = await service.downloadExport(services, identity, exportIdOf(request), services.env.APP_URL);
    response.writeHead(302, { Location: link.url, 'Cache-Control': 'private, no-store' });
    response.end();
  },
};

export const restExportRoutes: ApiRoute[] = [
  startExportRoute,
  listExportsRoute,
  exportStatusRoute,
  cancelExportRoute,
  downloadExportRoute,
];
