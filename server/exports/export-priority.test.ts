import assert from 'node:assert/strict';
import { once } from 'node:events';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { lowerExportPriority } from './export-priority';

test('only the calling thread takes EXPORT_NICE: a thread beside it keeps its priority (Linux)', {
  skip: process.platform === 'linux' ? false : 'per-thread nice values are Linux’s',
}, async () => {
  // The other thread stands for the web beside `npm start`'s export thread (this one, lowered here).
  const other = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { getPriority } = require('node:os');
     parentPort.on('message', () => parentPort.postMessage(getPriority(0)));`,
    { eval: true },
  );
  try {
    const niceOf = async () => {
      other.postMessage('nice?');
      const [value] = await once(other, 'message');
      return value as number;
    };
    const before = getPriority(0);
    assert.equal(await niceOf(), before);
    lowerExportPriority(0, { sharesProcessWithWeb: true });
    assert.equal(getPriority(0), before, 'EXPORT_NICE=0 changes nothing');
    const lowered = Math.min(19, before + 5);
    lowerExportPriority(lowered, { sharesProcessWithWeb: true });
    assert.equal(getPriority(0), lowered, 'the calling thread is lowered');
    assert.equal(await niceOf(), before, 'the thread beside it is not');
  } finally {
    await other.terminate();
  }
});
