/** Pieces of the OpenAPI document that the tRPC paths and the REST paths share. */
import { errorCatalog, errorCodes } from '../../shared/errors';

export type JsonObject = { [key: string]: unknown };

export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

const errorTypes = [...new Set(Object.values(errorCatalog).map((spec) => spec.type))];

const catalogTable = [
  '| code | status | when |',
  '|---|---|---|',
  ...errorCodes.map(
    (code) => `| \`${code}\` | ${errorCatalog[code].status} | ${errorCatalog[code].summary} |`,
  ),
].join('\n');

export const errorComponents: Record<string, JsonObject> = {
  StructuredError: {
    description: `Every error, in one shape: the whole body of an \`/api\` route, and \`error.data\` inside tRPC's envelope. The HTTP status equals \`status_code\`.\n\n${catalogTable}`,
    type: 'object',
    properties: {
      status_code: { type: 'integer', description: 'The HTTP status of the answer.' },
      type: { type: 'string', enum: errorTypes },
      code: {
        type: 'string',
        enum: errorCodes,
        description: 'The catalog code: what a program switches on.',
      },
      message: { type: 'string', description: 'For people; may change between versions.' },
      details: { type: 'object', additionalProperties: true, description: 'Depends on the code.' },
      request_id: { type: 'string', description: 'The X-Request-Id of the call, as in the server log.' },
    },
    required: ['status_code', 'type', 'code', 'message'],
  },
  TrpcError: {
    description:
      "tRPC's error envelope: `error.code` is tRPC's JSON-RPC number (its client needs it); the structured error is `error.data`.",
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          code: { type: 'integer' },
          data: {
            allOf: [
              ref('StructuredError'),
              {
                type: 'object',
                properties: { httpStatus: { type: 'integer' }, path: { type: 'string' } },
                required: ['httpStatus'],
              },
            ],
          },
        },
        required: ['message', 'code', 'data'],
      },
    },
    required: ['error'],
  },
};

const rateLimitHeaders: JsonObject = {
  'Retry-After': {
    description: 'Seconds to wait before retrying (also `details.retry_after_seconds`).',
    schema: { type: 'integer', minimum: 1 },
  },
};

/** The error answers of an operation, in tRPC's envelope or the flat shape. */
export function errorResponses(body: 'TrpcError' | 'StructuredError'): JsonObject {
  const content = { 'application/json': { schema: ref(body) } };
  return {
    '429': {
      description: 'RATE_LIMIT_EXCEEDED: over the per-key (or per-session) rate limit.',
      headers: rateLimitHeaders,
      content,
    },
    '4XX': { description: 'A client error of the catalog (see StructuredError for every code).', content },
    '5XX': { description: 'A server error of the catalog.', content },
  };
}

export const authenticated = [{ bearerAuth: [] }, { sessionCookie: [] }];
