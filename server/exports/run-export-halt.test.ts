import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHalt } from './run-export';

describe("an export run's halt", () => {
  test('a guarded step passes its value or error through, and lets go of the halt when it settles', async () => {
    const halt = createHalt();
    for (let step = 0; step < 10_000; step++) assert.equal(await halt.guard(Promise.resolve(step)), step);
    await assert.rejects(halt.guard(Promise.reject(new Error('disk full'))), /disk full/);
    assert.equal(halt.waiting, 0, 'no settled step is still held');
    assert.equal(halt.signal.aborted, false);
  });

  test('the first failure ends every step in flight, aborts the signal, and ends later steps at once', async () => {
    const halt = createHalt();
    const never = new Promise<never>(() => {});
    const inFlight = [halt.guard(never), halt.guard(never)];
    assert.equal(halt.waiting, 2);
    const stalled = new Error('stalled');
    halt.fail(stalled);
    halt.fail(new Error('a later failure'));
    for (const step of inFlight) await assert.rejects(step, (error) => error === stalled);
    assert.equal(halt.waiting, 0);
    assert.equal(halt.reason, stalled);
    assert.equal(halt.signal.reason, stalled);
    // A step started after the halt fails with its reason, and its own late failure is not unhandled.
    let rejectLate: (error: Error) => void = () => {};
    const late = new Promise<never>((_, reject) => {
      rejectLate = reject;
    });
    await assert.rejects(halt.guard(late), (error) => error === stalled);
    rejectLate(new Error('the late step failed too'));
    await new Promise((resolve) => setImmediate(resolve));
  });
});
