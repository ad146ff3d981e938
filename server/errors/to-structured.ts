import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { errorCatalog, type StructuredError, structuredError } from '../../shared/errors';
import { ApiError } from './api-error';

const genericMessage = errorCatalog.INTERNAL_SERVER_ERROR.example.message;

/** True when the error is one we did not foresee: its internals belong in the log, never in a body. */
export function isUnexpected(error: unknown): boolean {
  return toApiError(error) === undefined;
}

/** Turns anything thrown into the structured error of the catalog. */
export function toStructuredError(error: unknown, requestId?: string): StructuredError {
  const known = toApiError(error);
  if (!known) return structuredError('INTERNAL_SERVER_ERROR', genericMessage, undefined, requestId);
  return structuredError(known.code, known.message, known.details, requestId);
}

/** Finds the ApiError behind an error, or maps a known library error onto the catalog. */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodError) return fromZod(error);
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return error.cause;
    // An output that fails its schema is our bug, not the caller's: only input failures are 400s.
    if (error.cause instanceof ZodError && error.code === 'BAD_REQUEST') return fromZod(error.cause);
    switch (error.code) {
      case 'PARSE_ERROR':
      case 'BAD_REQUEST':
        return new ApiError('VALIDATION_ERROR', error.message || 'Request is not valid');
      case 'NOT_FOUND':
        return new ApiError('NOT_FOUND', error.message || 'Not found');
      case 'METHOD_NOT_SUPPORTED':
        return new ApiError('METHOD_NOT_ALLOWED', error.message || 'Method not allowed');
      case 'PAYLOAD_TOO_LARGE':
        return new ApiError('PAYLOAD_TOO_LARGE', error.message || 'Request body is too large');
      case 'UNSUPPORTED_MEDIA_TYPE':
        return new ApiError('UNSUPPORTED_MEDIA_TYPE', error.message || 'Unsupported content type');
      case 'UNAUTHORIZED':
        return new ApiError('UNAUTHORIZED', error.message || 'Authentication required');
      case 'FORBIDDEN':
        return new ApiError('FORBIDDEN', error.message || 'Forbidden');
      case 'TOO_MANY_REQUESTS':
        return new ApiError('RATE_LIMIT_EXCEEDED', error.message || 'Rate limit exceeded');
      default:
        return undefined;
    }
  }
  return undefined;
}

function fromZod(error: ZodError): ApiError {
  return new ApiError('VALIDATION_ERROR', 'Input is not valid', {
    issues: error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      code: issue.code,
      message: issue.message,
      // An unknown key is named, so a typo (`filters` for `filter`) is found without guessing.
      ...(issue.code === 'unrecognized_keys' ? { keys: issue.keys } : {}),
    })),
  });
}
