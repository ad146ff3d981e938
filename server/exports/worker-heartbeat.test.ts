import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { startExportEngine } from './export-engine';
import { aliveWorkerCount, startWorkerHeartbeat, workerAliveSeconds } from './worker-heartbeat';

const silent = pino({ level: 'silent' });
let app: TestApp;
// A web-only node: the engine queues exports, and no worker runs anywhere.
before(async () => {
  app = await startTestApp({ exports: { workers: false } });
});
after(() => app?.close());

test('a queued export says it is waiting for a worker exactly while no worker is alive', async () => {
  const member = await app.loginAs('member@acme.test');
  const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
  assert.equal(started.status, 'queued');
  assert.equal(started.waitingForWorker, true);
  const status = () => member.exportStatus.query({ exportId: started.id });
  assert.equal((await status()).waitingForWorker, true);
  // The history says the same.
  const listed = await member.listExports.query({});
  assert.equal(listed.exports.find((item) => item.id === started.id)?.waitingForWorker, true);

  // A worker alive elsewhere (its heartbeat only: nothing here claims the export).
  const heartbeat = await startWorkerHeartbeat(app.database, { slots: 2, logger: silent });
  assert.equal(await aliveWorkerCount(app.database), 1);
  assert.deepEqual(
    { status: (await status()).status, waitingForWorker: (await status()).waitingForWorker },
    { status: 'queued', waitingForWorker: false },
  );

  // A worker that was killed leaves its row, which stops counting once it has been silent too long.
  await app.database.query(
    `update export_workers set heartbeat_at = now() - make_interval(secs => $1) where id = $2`,
    [workerAliveSeconds + 1, heartbeat.id],
  );
  assert.equal(await aliveWorkerCount(app.database), 0);
  assert.equal((await status()).waitingForWorker, true);

  // One that stops deletes its row at once.
  await heartbeat.stop();
  const [row] = await app.database.query<{ count: number }>(
    'select count(*)::int as count from export_workers',
  );
  assert.equal(row?.count, 0);

  // A worker process comes up (npm run worker): it registers, takes the export, and finishes it.
  const worker = await startExportEngine(app.services, { workers: true, pollingIntervalSeconds: 0.5 });
  try {
    assert.equal(await aliveWorkerCount(app.database), 1);
    const done = await waitForExport(member, started.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.waitingForWorker, false);
  } finally {
    await worker.stop();
  }
  assert.equal(await aliveWorkerCount(app.database), 0);
});
