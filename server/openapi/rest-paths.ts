/**
 * The OpenAPI description of the plain routes: the REST routes for exports (server/rest/exports-routes.ts),
 * the signed download link they redirect to, and the health check. Their bodies are the components the
 * tRPC procedures' schemas generate (StartExportInput, ExportSummary, ListExportsOutput), so both shapes
 * describe one schema. The REST test drives these routes from this document alone.
 */
import { authenticated, errorResponses, type JsonObject, ref } from './openapi-parts';

const json = (schema: JsonObject) => ({ 'application/json': { schema } });

const exportIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: "The export's id (a UUID).",
  schema: { type: 'string', format: 'uuid' },
};

const summary = (description: string) => ({ description, content: json(ref('ExportSummary')) });

const requestIdHeader = {
  'X-Request-Id': { description: 'The id of this call, as in the server log.', schema: { type: 'string' } },
};

export function restPaths(): Record<string, JsonObject> {
  const tags = ['REST: exports'];
  return {
    '/api/v1/exports': {
      post: {
        operationId: 'startExport',
        tags,
        summary: 'Start an export',
        description:
          'Validates the request completely (columns, view, filter, date range, the PDF row cap) and queues the job. Same as the tRPC mutation `startExport`. Needs the member role and, with an API key, `exports:write`.',
        security: authenticated,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Sent again with the same key by the same user, the request answers the export it started the first time, whatever the body says. The same as `idempotencyKey` in the body.',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          },
        ],
        requestBody: { required: true, content: json(ref('StartExportInput')) },
        responses: {
          '201': {
            ...summary(
              'The export, queued (or the one an earlier call with the same Idempotency-Key started).',
            ),
            headers: {
              Location: { description: 'The URL of the export.', schema: { type: 'string' } },
              ...requestIdHeader,
            },
          },
          ...errorResponses('StructuredError'),
        },
      },
      get: {
        operationId: 'listExports',
        tags,
        summary: 'List exports, newest first',
        description:
          "The caller's exports (an admin's: the workspace's), newest first, a page at a time: pass `nextCursor` back as `cursor`. Needs `exports:read`.",
        security: authenticated,
        parameters: [
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 500 } },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        ],
        responses: {
          '200': { description: 'A page of exports.', content: json(ref('ListExportsOutput')) },
          ...errorResponses('StructuredError'),
        },
      },
    },
    '/api/v1/exports/{id}': {
      get: {
        operationId: 'exportStatus',
        tags,
        summary: "An export's status and progress",
        description:
          'Poll this until `status` is `completed` (or `failed`, `cancelled`): `percent`, `processedRows`, `etaSeconds` and `queuePosition` say how far it is. Needs `exports:read`.',
        security: authenticated,
        parameters: [exportIdParameter],
        responses: { '200': summary('The export.'), ...errorResponses('StructuredError') },
      },
    },
    '/api/v1/exports/{id}/cancel': {
      post: {
        operationId: 'cancelExport',
        tags,
        summary: 'Cancel a queued or running export',
        description:
          'The job stops before its next batch and removes its partial file. Cancelling a finished export changes nothing. Needs the member role and `exports:write`.',
        security: authenticated,
        parameters: [exportIdParameter],
        responses: { '200': summary('The export, as it is now.'), ...errorResponses('StructuredError') },
      },
    },
    '/api/v1/exports/{id}/download': {
      get: {
        operationId: 'downloadExport',
        tags,
        summary: "Download an export's file",
        description:
          'Redirects to a signed link valid for 5 minutes, which needs no other credentials (`curl -L` follows it). `409 EXPORT_NOT_READY` before the export completed, `410 EXPORT_EXPIRED` once its file was deleted. Needs `exports:read`; spends a write point, like the tRPC mutation `downloadExport`.',
        security: authenticated,
        parameters: [exportIdParameter],
        responses: {
          '302': {
            description: 'The signed download link.',
            headers: { Location: { description: 'The signed link.', schema: { type: 'string' } } },
          },
          ...errorResponses('StructuredError'),
        },
      },
    },
    '/api/exports/{id}/download': {
      get: {
        operationId: 'downloadExportFile',
        tags,
        summary: 'The signed download link',
        description:
          "What downloadExport hands out and the REST download redirects to. The token authenticates by itself; the user's access and the export's state are checked again.",
        security: [],
        parameters: [
          exportIdParameter,
          { name: 'token', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'The file, as an attachment.',
            headers: {
              'Content-Disposition': { schema: { type: 'string' } },
              Digest: { description: 'sha-256 of the file, base64.', schema: { type: 'string' } },
            },
            content: {
              'text/csv': { schema: { type: 'string', contentMediaType: 'text/csv' } },
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
            },
          },
          ...errorResponses('StructuredError'),
        },
      },
    },
    '/api/health': {
      get: {
        operationId: 'health',
        tags: ['health'],
        summary: 'The server answers and reaches its database',
        security: [],
        responses: {
          '200': {
            description: 'Healthy.',
            content: json({
              type: 'object',
              properties: {
                status: { const: 'ok' },
                database: { type: 'string', enum: ['pglite', 'postgres'] },
              },
              required: ['status', 'database'],
            }),
          },
          ...errorResponses('StructuredError'),
        },
      },
    },
  };
}
