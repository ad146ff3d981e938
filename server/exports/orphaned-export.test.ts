import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ExportSummary } from '../../shared/exports';
import type { ExportQueue } from '../context';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';

let app: TestApp;
before(async () => {
  app = await startTestApp({
    exports: { pollingIntervalSeconds: 0.5 },
    env: {
      EXPORT_LEASE_SECONDS: '1',
      RATE_LIMIT_READS_PER_SECOND: '1000',
      RATE_LIMIT_WRITES_PER_SECOND: '1000',
    },
  });
});
after(() => app?.close());

test('an export whose workers could not be woken is still answered as queued, then run by their next look at the queue', async () => {
  const member = await app.loginAs('member@acme.test');
  const queue = app.services.exportQueue as ExportQueue;
  const working = queue.enqueue;
  let refused = 0;
  queue.enqueue = async () => {
    refused++;
    throw new Error('connection to the workers lost');
  };
  let started: ExportSummary;
  try {
    started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
  } finally {
    queue.enqueue = working;
  }
  assert.equal(refused, 1);
  assert.equal(started.status, 'queued');

  const done = await waitForExport(member, started.id);
  assert.equal(done.status, 'completed');
  const { total } = await member.companies.count.query({});
  assert.equal(done.processedRows, total);
});
