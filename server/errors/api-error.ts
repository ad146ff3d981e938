import type { ErrorCode } from '../../shared/errors';

/** The one error domain code throws. Only the edge (tRPC formatter, HTTP routes) turns it into a body. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, such as Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
