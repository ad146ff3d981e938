import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExportSummary } from '../../shared/exports';
import type { CrmClient } from '../sdk';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { claimLockKey, claimNextExport } from './export-queue';

const fastLimits = { RATE_LIMIT_READS_PER_SECOND: '1000', RATE_LIMIT_WRITES_PER_SECOND: '1000' };

interface Timeline {
  id: string;
  slug: string;
  status: string;
  started_at: Date | null;
  finished_at: Date | null;
}

async function timelineOf(app: TestApp, ids: string[]): Promise<Timeline[]> {
  const rows = await app.database.query<Timeline>(
    `select e.id, w.slug, e.status, e.started_at, e.finished_at from exports e
     join workspaces w on w.id = e.workspace_id where e.id = any($1::uuid[])`,
    [ids],
  );
  return rows.map((row) => ({
    ...row,
    started_at: row.started_at && new Date(row.started_at),
    finished_at: row.finished_at && new Date(row.finished_at),
  }));
}

/** Starts `count` exports one after another (so their order of creation is theirs). */
async function startMany(client: CrmClient, count: number): Promise<ExportSummary[]> {
  const started: ExportSummary[] = [];
  for (let index = 0; index < count; index++)
    started.push(await client.startExport.mutate({ object: 'people', format: 'csv' }));
  return started;
}

describe('the order exports are taken in, and queuePosition', () => {
  let app: TestApp;
  before(async () => {
    // No workers: the exports stay queued until the test claims them itself.
    app = await startTestApp({ exports: { workers: false }, env: fastLimits });
  });
  after(() => app?.close());

  test('round-robin across workspaces, oldest first within one; queuePosition tells that order', async () => {
    const acme = await app.loginAs('member@acme.test');
    const globex = await app.loginAs('admin@globex.test');
    const [a1, a2, a3, a4] = await startMany(acme, 4);
    const g1 = await globex.startExport.mutate({ object: 'people', format: 'csv' });
    assert.ok(a1 && a2 && a3 && a4);
    assert.equal(g1.queuePosition, 2, 'answered by startExport already');

    const positions = async () =>
      Promise.all(
        [a1, g1, a2, a3, a4].map(async (started) => {
          const client = started === g1 ? globex : acme;
          return (await client.exportStatus.query({ exportId: started.id })).queuePosition;
        }),
      );
    assert.deepEqual(await positions(), [1, 2, 3, 4, 5]);
    const listed = await acme.listExports.query({});
    assert.deepEqual(
      listed.exports.map((summary) => summary.queuePosition),
      [5, 4, 3, 1],
      'listExports too (newest first)',
    );

    const policy = { leaseSeconds: 30, concurrencyPerWorkspace: 2 };
    const claimed: (string | undefined)[] = [];
    for (let index = 0; index < 4; index++) claimed.push((await claimNextExport(app.database, policy))?.id);
    assert.deepEqual(
      claimed,
      [a1.id, g1.id, a2.id, undefined],
      'Acme, Globex, Acme; then Acme has two running and nothing else may start',
    );
    assert.deepEqual(await positions(), [null, null, null, 1, 2]);
    assert.equal((await acme.exportStatus.query({ exportId: a1.id })).status, 'running');
  });
});

describe('a claim that waits for the lock while an export ends', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ exports: { workers: false }, env: fastLimits });
  });
  after(() => app?.close());

  test('its start is stamped after that end, which it saw (Postgres)', {
    skip: process.env.DATABASE_URL
      ? false
      : 'PGlite runs one transaction at a time: no claim waits for a lock',
  }, async () => {
    const acme = await app.loginAs('member@acme.test');
    const globex = await app.loginAs('admin@globex.test');
    const policy = { leaseSeconds: 30, concurrencyPerWorkspace: 2 };
    const [running, next] = await startMany(acme, 2);
    assert.ok(running && next);
    assert.equal((await claimNextExport(app.database, policy))?.id, running.id);
    const other = await globex.startExport.mutate({ object: 'people', format: 'csv' });

    // Another process holds the claim lock; this claim's transaction begins and waits for it.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = app.database.transaction(async (query) => {
      await query('select pg_advisory_xact_lock($1)', [claimLockKey]);
      await released;
    });
    const claim = claimNextExport(app.database, policy);
    for (let waited = 0; ; waited += 20) {
      const [row] = await app.database.query<{ waiting: number }>(
        `select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted`,
      );
      if (row?.waiting === 1) break;
      assert.ok(waited < 10_000, 'the claim waits for the lock');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await app.database.query(
      `update exports set status = 'completed', finished_at = now(), updated_at = now() where id = $1`,
      [running.id],
    );
    release();
    await holding;

    // Acme runs nothing now, so its older export is round 1 like Globex's, and goes first.
    assert.equal((await claim)?.id, next.id, 'the claim saw the export as ended');
    const timeline = await timelineOf(app, [running.id, next.id, other.id]);
    const ended = timeline.find((row) => row.id === running.id)?.finished_at;
    const started = timeline.find((row) => row.id === next.id)?.started_at;
    assert.ok(
      ended && started && started >= ended,
      `started ${started?.toISOString()}, ended ${ended?.toISOString()}`,
    );
  });
});

describe('a workspace with ten queued exports beside one with a single export', () => {
  let app: TestApp;
  before(async () => {
    // Two may run per workspace, three per process. Acme's exports are slow (200 ms per batch of 100).
    app = await startTestApp({
      exports: { pollingIntervalSeconds: 0.5 },
      env: {
        EXPORT_WORKERS: '3',
        EXPORT_CONCURRENCY_PER_WORKSPACE: '2',
        EXPORT_BATCH_SIZE: '100',
        EXPORT_THROTTLE_MS: '200',
        ...fastLimits,
      },
    });
  });
  after(() => app?.close());

  test("the other workspace's export starts beside the two running ones, before any of them ends", async () => {
    const acme = await app.loginAs('member@acme.test');
    const globex = await app.loginAs('admin@globex.test');
    const acmeExports = await Promise.all(
      Array.from({ length: 10 }, () => acme.startExport.mutate({ object: 'people', format: 'csv' })),
    );
    // Globex comes once Acme has its two running: queued together, fair order would (rightly) start
    // Globex's before Acme's second, and the question here is whether it waits for an Acme slot.
    for (let waited = 0; ; waited += 50) {
      const statuses = await Promise.all(
        acmeExports.map((summary) => acme.exportStatus.query({ exportId: summary.id })),
      );
      if (statuses.filter((status) => status.status === 'running').length >= 2) break;
      assert.ok(waited < 30_000, 'two Acme exports start within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const globexExport = await globex.startExport.mutate({ object: 'companies', format: 'csv' });
    const done = await waitForExport(globex, globexExport.id);
    assert.equal(done.status, 'completed');

    const timeline = await timelineOf(app, [...acmeExports.map((summary) => summary.id), globexExport.id]);
    const globexStart = timeline.find((row) => row.slug === 'globex')?.started_at;
    assert.ok(globexStart);
    const acmeRows = timeline.filter((row) => row.slug === 'acme');
    const startedBefore = acmeRows.filter((row) => row.started_at && row.started_at < globexStart);
    assert.equal(startedBefore.length, 2, 'two Acme exports were running when Globex started');
    assert.ok(
      acmeRows.every((row) => !row.finished_at || row.finished_at > globexStart),
      'no Acme export had finished: Globex did not wait for a slot of theirs',
    );
    for (const summary of acmeExports) await acme.cancelExport.mutate({ exportId: summary.id });
  });
});

describe('every worker busy with one workspace', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      exports: { pollingIntervalSeconds: 0.5 },
      env: {
        EXPORT_WORKERS: '2',
        EXPORT_CONCURRENCY_PER_WORKSPACE: '2',
        EXPORT_BATCH_SIZE: '100',
        // Slow enough (about 5 s per Acme export) that every export is queued before a slot frees.
        EXPORT_THROTTLE_MS: '200',
        ...fastLimits,
      },
    });
  });
  after(() => app?.close());

  test("a freed worker takes the other workspace's export, not the busy workspace's third", async () => {
    const acme = await app.loginAs('member@acme.test');
    const globex = await app.loginAs('admin@globex.test');
    const acmeExports = await startMany(acme, 10);
    const globexExport = await globex.startExport.mutate({ object: 'companies', format: 'csv' });
    await waitForExport(globex, globexExport.id, ['running', 'completed']);

    const timeline = await timelineOf(app, [...acmeExports.map((summary) => summary.id), globexExport.id]);
    const globexStart = timeline.find((row) => row.slug === 'globex')?.started_at;
    assert.ok(globexStart);
    const globexCreated = new Date(globexExport.createdAt);
    assert.ok(
      timeline.every((row) => !row.finished_at || row.finished_at > globexCreated),
      'premise: no Acme export had finished before the Globex export was queued',
    );
    const acmeStarted = timeline
      .filter((row) => row.slug === 'acme' && row.started_at)
      .sort((a, b) => (a.started_at as Date).getTime() - (b.started_at as Date).getTime());
    const before = acmeStarted.filter((row) => (row.started_at as Date) < globexStart);
    // Globex's export is round 1 (its workspace runs nothing); a queued Acme export is round 1 only when
    // Acme runs nothing either, and then the older one goes first. So beside the two that were running,
    // at most one Acme export starts before Globex's: when both running ones had ended.
    assert.ok(before.length >= 2 && before.length <= 3, `Acme exports started first: ${before.length}`);
    const [first, second, third] = before;
    if (third)
      assert.ok(
        first?.finished_at &&
          second?.finished_at &&
          first.finished_at <= (third.started_at as Date) &&
          second.finished_at <= (third.started_at as Date),
        `a third Acme export started before Globex's while Acme still had one running: ${JSON.stringify(timeline)}`,
      );
    for (const summary of acmeExports) await acme.cancelExport.mutate({ exportId: summary.id });
  });
});
