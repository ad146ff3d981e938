import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { withoutInfiniteDirection } from './trpc';

function inputSent(op: Partial<Operation>): unknown {
  let sent: unknown;
  const link = withoutInfiniteDirection({} as never);
  link({
    op: { id: 1, type: 'query', path: 'listExports', context: {}, signal: null, ...op } as Operation,
    next: (forwarded) => {
      sent = forwarded.input;
      return observable(() => {});
    },
  });
  return sent;
}

test("infinite queries' direction is not sent to the strict inputs; everything else is", () => {
  assert.deepEqual(inputSent({ input: { limit: 25, cursor: 'abc', direction: 'forward' } }), {
    limit: 25,
    cursor: 'abc',
  });
  const sort = { sort: [{ attribute: 'name', direction: 'asc' }] };
  assert.deepEqual(inputSent({ input: sort }), sort);
  assert.deepEqual(inputSent({ input: undefined }), undefined);
  const mutation = { object: 'people', direction: 'kept' };
  assert.deepEqual(inputSent({ type: 'mutation', input: mutation }), mutation);
});
