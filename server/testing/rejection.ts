import assert from 'node:assert/strict';
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../router';

/** The typed error a call failed with; fails the test when the call succeeds or fails some other way. */
export async function rejection(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TRPCClientError, `expected a TRPCClientError, got ${String(error)}`);
    return error as TRPCClientError<AppRouter>;
  }
  assert.fail('expected the call to fail');
}
