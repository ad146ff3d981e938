/**
 * The error catalog: the single source of truth for every error the API can answer.
 * The server's formatter, the flat HTTP error bodies, the client helpers and docs/errors.md all read it.
 */

export type ErrorType =
  | 'validation_error'
  | 'invalid_request_error'
  | 'auth_error'
  | 'rate_limit_error'
  | 'api_error';

/** The tRPC error code each catalog entry travels as inside tRPC's envelope. */
export type TrpcCodeKey =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'PAYLOAD_TOO_LARGE'
  | 'METHOD_NOT_SUPPORTED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SERVICE_UNAVAILABLE';

export interface ErrorSpec {
  status: number;
  type: ErrorType;
  trpcCode: TrpcCodeKey;
  /** When it happens, in one line. */
  summary: string;
  /** What a client should do about it. */
  remedy: string;
  /** An example of the error's message and details, for the docs. */
  example: { message: string; details?: Record<string, unknown> };
}

export const errorCatalog = {
  VALIDATION_ERROR: {
    status: 400,
    type: 'validation_error',
    trpcCode: 'BAD_REQUEST',
    summary: 'The request body or query does not match the schema of the endpoint.',
    remedy: 'Fix the fields listed in `details.issues` (each has a `path` and a `message`) and send again.',
    example: {
      message: 'Input is not valid',
      details: { issues: [{ path: 'limit', message: 'Too big: expected number to be <=500' }] },
    },
  },
  INVALID_FILTER: {
    status: 400,
    type: 'validation_error',
    trpcCode: 'BAD_REQUEST',
    summary: 'The filter is not valid for this object: unknown attribute, operator, value type or option.',
    remedy:
      '`details.path` points at the offending part of the filter and `details.reason` says why; correct it.',
    example: {
      message: 'Filter syntax is invalid',
      details: {
        field: 'filter',
        path: '$and[1].status.$gt',
        reason: "Operator $gt is not supported for select attribute 'status'",
      },
    },
  },
  MULTIPLE_MATCH_RESULTS: {
    status: 400,
    type: 'invalid_request_error',
    trpcCode: 'BAD_REQUEST',
    summary: 'An assert matched more than one record on the matching attribute, so nothing was written.',
    remedy: 'Assert on an attribute whose values are unique (such as `email` or `domain`).',
    example: {
      message: "2 people match last_name = 'Smith'",
      details: { matching_attribute: 'last_name', match_count: 2 },
    },
  },
  NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    trpcCode: 'NOT_FOUND',
    summary: 'No such record, view, export or route in this workspace.',
    remedy: 'Check the id; records of another workspace are never visible.',
    example: { message: "No person with id '0b5f…'", details: { object: 'people', id: '0b5f…' } },
  },
  UNAUTHORIZED: {
    status: 401,
    type: 'auth_error',
    trpcCode: 'UNAUTHORIZED',
    summary: 'No valid session cookie or API key was sent, or a download link is bad or expired.',
    remedy: 'Log in, or send `Authorization: Bearer <api key>`; ask for a fresh download link.',
    example: { message: 'Authentication required' },
  },
  FORBIDDEN: {
    status: 403,
    type: 'auth_error',
    trpcCode: 'FORBIDDEN',
    summary: "The caller's role or the API key's scopes do not allow this action.",
    remedy:
      'Use an account with the role named in `details.required_role`, or a key with `details.required_scope`.',
    example: {
      message: 'This action needs the admin role',
      details: { required_role: 'admin', role: 'viewer' },
    },
  },
  EXPORT_NOT_READY: {
    status: 409,
    type: 'invalid_request_error',
    trpcCode: 'CONFLICT',
    summary:
      'The export has not completed yet (or failed, or was cancelled), so there is no file to download.',
    remedy: 'Poll `exportStatus` until `status` is `completed`, then ask for the download again.',
    example: { message: 'Export is still running', details: { status: 'running', percent: 42 } },
  },
  SCHEDULE_RUN_IN_PROGRESS: {
    status: 409,
    type: 'invalid_request_error',
    trpcCode: 'CONFLICT',
    summary:
      'A run of this scheduled export is already in progress (or waiting to be retried), so `runNow` does not start another.',
    remedy: 'Follow `currentRun.exportId` with `exportStatus`, and run it again once it has finished.',
    example: {
      message: 'This schedule is already running',
      details: { schedule_id: '0b9e7c1e-6f4a-4d8e-9a51-3f1c2d7e8a90', export_id: null, retry_at: null },
    },
  },
  EXPORT_EXPIRED: {
    status: 410,
    type: 'invalid_request_error',
    trpcCode: 'NOT_FOUND',
    summary: "The export's file has been deleted after its retention period.",
    remedy: 'Start the export again (the Exports page has "Run again").',
    example: { message: 'Export file has expired', details: { expired_at: '2026-12-01T00:00:00.000Z' } },
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    trpcCode: 'METHOD_NOT_SUPPORTED',
    summary:
      'The route exists but not for this HTTP method (tRPC takes GET for queries, POST for mutations).',
    remedy: 'Use a method listed in `details.allowed` (also in the `Allow` header).',
    example: {
      message: 'Method PUT is not allowed on /trpc',
      details: { method: 'PUT', allowed: ['GET', 'POST'] },
    },
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    type: 'invalid_request_error',
    trpcCode: 'PAYLOAD_TOO_LARGE',
    summary: 'The request body is larger than the server accepts (`MAX_BODY_BYTES`, 1 MB by default).',
    remedy: 'Send a smaller body: narrow the filter, or split a batch into several requests.',
    example: { message: 'Request body is larger than 1048576 bytes', details: { limit_bytes: 1048576 } },
  },
  URI_TOO_LONG: {
    status: 414,
    type: 'invalid_request_error',
    trpcCode: 'BAD_REQUEST',
    summary: 'The URL is longer than the server reads (8,192 characters).',
    remedy: 'Send the input as a POST body instead of in the query string, or trim the headers.',
    example: { message: 'Request URL is longer than 8192 characters', details: { limit: 8192 } },
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    type: 'invalid_request_error',
    trpcCode: 'BAD_REQUEST',
    summary:
      "The request line and headers together exceed Node's limit (16 KB), so the request was not read.",
    remedy:
      'Send the input as a POST body instead of in the query string, and drop oversized cookies or headers.',
    example: { message: 'Request URL or headers are larger than the server reads' },
  },
  EXPECTATION_FAILED: {
    status: 417,
    type: 'invalid_request_error',
    trpcCode: 'BAD_REQUEST',
    summary:
      'The request has an `Expect` header other than `100-continue`, which is all the server supports.',
    remedy: 'Drop the `Expect` header, or send `Expect: 100-continue`.',
    example: { message: "Expect 'x' is not supported", details: { supported: ['100-continue'] } },
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    trpcCode: 'UNSUPPORTED_MEDIA_TYPE',
    summary: 'The request body is not JSON (`Content-Type` must be `application/json`).',
    remedy: 'Send the body as JSON with `Content-Type: application/json`.',
    example: {
      message: "Content-Type 'text/xml' is not supported",
      details: { content_type: 'text/xml', supported: ['application/json'] },
    },
  },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    type: 'rate_limit_error',
    trpcCode: 'TOO_MANY_REQUESTS',
    summary:
      'Too many requests from this API key or session (default 100 reads/s and 25 writes/s), or too many failed logins from this address.',
    remedy: 'Wait `details.retry_after_seconds` (also in the `Retry-After` header) and retry.',
    example: {
      message: 'Rate limit exceeded',
      details: { retry_after_seconds: 1, limit: 100, kind: 'read' },
    },
  },
  EXPORT_STORAGE_ERROR: {
    status: 503,
    type: 'api_error',
    trpcCode: 'SERVICE_UNAVAILABLE',
    summary: "The export's file could not be written to (or read from) storage; no partial file is kept.",
    remedy: 'Nothing is wrong with the request: start the export again later. Operators: see the log line.',
    example: { message: 'The export file could not be stored', details: { retryable: true } },
  },
  EXPORT_STALLED: {
    status: 503,
    type: 'api_error',
    trpcCode: 'SERVICE_UNAVAILABLE',
    summary: 'A running export made no progress for `EXPORT_STALL_SECONDS` and was stopped by the watchdog.',
    remedy: 'Start the export again; if it stalls again, report the `request_id`.',
    example: {
      message: 'The export made no progress for 300 seconds',
      details: { stalled_seconds: 300, processed_rows: 4000 },
    },
  },
  INTERNAL_SERVER_ERROR: {
    status: 500,
    type: 'api_error',
    trpcCode: 'INTERNAL_SERVER_ERROR',
    summary: 'Something unexpected failed on the server. Nothing about it is leaked to the client.',
    remedy: 'Retry later; if it persists, report the `request_id` so the server log line can be found.',
    example: { message: 'An unexpected error occurred' },
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalog;
export const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

/** The flat structured error: the whole body of a plain /api route, and `data` inside tRPC's envelope. */
export interface StructuredError {
  status_code: number;
  type: ErrorType;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  request_id?: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

export function structuredError(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
  requestId?: string,
): StructuredError {
  const spec = errorCatalog[code];
  return {
    status_code: spec.status,
    type: spec.type,
    code,
    message,
    ...(details ? { details } : {}),
    ...(requestId ? { request_id: requestId } : {}),
  };
}
