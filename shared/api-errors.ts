import { TRPCClientError } from '@trpc/client';
import { type ErrorCode, isErrorCode, type StructuredError } from './errors';

/** What the server puts in `error.data` of every tRPC error. */
export interface ErrorData extends StructuredError {
  httpStatus: number;
  path?: string;
}

/**
 * The structured error carried by anything a tRPC call threw, or undefined when it is not one of ours
 * (a network failure, say). Works with `TRPCClientError<AppRouter>` from the typed client.
 */
export function structuredErrorOf(error: unknown): ErrorData | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const candidate = data as Partial<ErrorData>;
  return isErrorCode(candidate.code) ? (candidate as ErrorData) : undefined;
}

export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return structuredErrorOf(error)?.code === code;
}
