import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { exports as exportsTable } from '../../drizzle/schema';
import type { CrmRecord } from '../../shared/records';
import type { CrmClient } from '../sdk';
import { startTestApp, type TestApp } from '../testing/test-app';

const root = fileURLToPath(new URL('../..', import.meta.url));
const onPostgres = Boolean(process.env.DATABASE_URL);

describe('a worker killed mid-export', {
  skip: onPostgres
    ? false
    : 'needs Postgres (DATABASE_URL): PGlite belongs to one process, so there is no second worker process to take over',
}, () => {
  let app: TestApp;
  let member: CrmClient;
  const workers: ChildProcess[] = [];

  function startWorker(env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: app.services.env.DATABASE_URL,
        DATA_DIR: app.services.env.DATA_DIR,
        EXPORT_DIR: app.services.env.EXPORT_DIR,
        APP_SECRET: app.services.env.APP_SECRET,
        LOG_LEVEL: 'warn',
        EXPORT_LEASE_SECONDS: '3',
        EXPORT_BATCH_SIZE: '100',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  before(async () => {
    // The web node only queues; the workers are separate processes, as with `npm run worker`.
    app = await startTestApp({ exports: { workers: false }, env: { EXPORT_LEASE_SECONDS: '3' } });
    member = await app.loginAs('member@acme.test');
  });
  after(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await app?.close();
  });

  test('SIGKILL mid-export: another worker takes it over after the lease and finishes with exact rows', async () => {
    const first = startWorker({ EXPORT_THROTTLE_MS: '100' });
    const started = await member.startExport.mutate({
      object: 'people',
      format: 'json',
      options: { jsonLines: true },
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await member.exportStatus.query({ exportId: started.id });
      if (status.status === 'running' && status.processedRows >= 300) break;
      assert.ok(status.status === 'queued' || status.status === 'running', `unexpected ${status.status}`);
      assert.ok(Date.now() < deadline, 'the first worker never got going');
      await sleep(50);
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const killedAt = await member.exportStatus.query({ exportId: started.id });
    assert.equal(killedAt.status, 'running', 'a dead worker leaves the export running, not completed');
    assert.ok(killedAt.processedRows < 2500);

    startWorker({});
    let done = killedAt;
    while (done.status === 'running' || done.status === 'queued') {
      assert.ok(Date.now() < deadline + 60_000, 'the export was never taken over');
      await sleep(200);
      done = await member.exportStatus.query({ exportId: started.id });
    }
    assert.equal(done.status, 'completed', JSON.stringify(done.error));

    const expected: CrmRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await member.people.list.query({ limit: 500, ...(cursor ? { cursor } : {}) });
      expected.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const link = await member.downloadExport.mutate({ exportId: started.id });
    const lines = (await (await fetch(link.url)).text()).trim().split('\n');
    const ids = lines.map((line) => (JSON.parse(line) as { id: string }).id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.deepEqual(
      ids,
      expected.map((record) => record.id),
      'no loss, same order',
    );
    assert.equal(done.processedRows, expected.length);

    const [row] = await app.database.db.select().from(exportsTable).where(eq(exportsTable.id, started.id));
    assert.equal(row?.attempts, 2);
    const files = readdirSync(path.join(app.services.env.EXPORT_DIR, row?.workspaceId ?? '', started.id));
    assert.deepEqual(files, ['attempt-2.ndjson'], "the dead attempt's partial file is gone");
  });
});
