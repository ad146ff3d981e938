import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';

let app: TestApp;
before(async () => {
  app = await startTestApp({
    // Three job slots in this process, but one running export per workspace: the limit, not the
    // worker count, must be what holds the others back.
    exports: { workerCount: 3, pollingIntervalSeconds: 0.5 },
    env: {
      EXPORT_CONCURRENCY_PER_WORKSPACE: '1',
      EXPORT_BATCH_SIZE: '100',
      EXPORT_THROTTLE_MS: '25',
      RATE_LIMIT_READS_PER_SECOND: '1000',
      RATE_LIMIT_WRITES_PER_SECOND: '1000',
    },
  });
});
after(() => app?.close());

test('per-workspace concurrency: one workspace waits its turn (queued), another workspace is not held back', async () => {
  const acme = await app.loginAs('member@acme.test');
  const globex = await app.loginAs('admin@globex.test');
  const acmeExports = await Promise.all(
    [1, 2, 3].map(() => acme.startExport.mutate({ object: 'people', format: 'csv' })),
  );
  const globexExport = await globex.startExport.mutate({ object: 'people', format: 'csv' });

  let maxAcmeRunning = 0;
  let globexRanBesideAcme = false;
  let sawQueuedBesideRunning = false;
  const ids = [...acmeExports.map((summary) => summary.id), globexExport.id];
  const samplingDeadline = Date.now() + 90_000;
  const sampling = (async () => {
    while (Date.now() < samplingDeadline) {
      const rows = await app.database.query<{ slug: string; status: string }>(
        `select w.slug, e.status from exports e join workspaces w on w.id = e.workspace_id where e.id = any($1::uuid[])`,
        [ids],
      );
      const acmeRunning = rows.filter((row) => row.slug === 'acme' && row.status === 'running').length;
      maxAcmeRunning = Math.max(maxAcmeRunning, acmeRunning);
      if (acmeRunning === 1 && rows.some((row) => row.slug === 'acme' && row.status === 'queued'))
        sawQueuedBesideRunning = true;
      if (acmeRunning === 1 && rows.some((row) => row.slug === 'globex' && row.status === 'running'))
        globexRanBesideAcme = true;
      if (rows.every((row) => row.status === 'completed' || row.status === 'failed')) return;
      await sleep(20);
    }
  })();

  const results = await Promise.all([
    ...acmeExports.map((summary) => waitForExport(acme, summary.id)),
    waitForExport(globex, globexExport.id),
  ]);
  await sampling;
  assert.deepEqual(
    results.map((summary) => summary.status),
    ['completed', 'completed', 'completed', 'completed'],
  );
  assert.equal(maxAcmeRunning, 1, 'never more than one Acme export running at once');
  assert.ok(sawQueuedBesideRunning, 'the others waited as queued');
  assert.ok(globexRanBesideAcme, "Globex's export ran while Acme's slot was taken");
});
