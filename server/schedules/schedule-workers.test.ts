import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { CrmClient } from '../sdk';
import { startTestApp, type TestApp } from '../testing/test-app';

const root = fileURLToPath(new URL('../..', import.meta.url));
const onPostgres = Boolean(process.env.DATABASE_URL);

describe('scheduled runs with two worker processes', {
  skip: onPostgres
    ? false
    : 'needs Postgres (DATABASE_URL): PGlite belongs to one process, so there is no second worker process',
}, () => {
  let app: TestApp;
  let member: CrmClient;
  const workers: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: app.services.env.DATABASE_URL,
        DATA_DIR: app.services.env.DATA_DIR,
        EXPORT_DIR: app.services.env.EXPORT_DIR,
        APP_SECRET: app.services.env.APP_SECRET,
        LOG_LEVEL: 'warn',
        EXPORT_SCHEDULE_POLL_SECONDS: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  before(async () => {
    // The web node only queues and runs no scheduler; the two workers do both, as `npm run worker` does.
    app = await startTestApp({ exports: { workers: false } });
    member = await app.loginAs('member@acme.test');
  });
  after(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await app?.close();
  });

  test('runs missed while the workers were down happen once each when they return; a run due while both are up happens once', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const created = await member.exportSchedules.create.mutate({
        name: `Missed ${index}`,
        request: { object: 'companies', format: 'csv', columns: ['name', 'domain'] },
        schedule: { frequency: 'daily', time: '06:00', timezone: 'Europe/Paris' },
      });
      ids.push(created.id);
    }
    // Due three days ago: the workers were down for the runs of the last three days.
    await app.database.query(
      `update export_schedules set next_run_at = now() - interval '3 days' where id = any($1::uuid[])`,
      [ids],
    );
    startWorker();
    startWorker();

    const deadline = Date.now() + 120_000;
    /** Waits until every schedule has `runs` completed runs and none in progress; answers the counts. */
    const settledRuns = async (runs: number) => {
      for (const id of ids) {
        for (;;) {
          const seen = await member.exportSchedules.get.query({ id });
          const [count] = await app.database.query<{ runs: number }>(
            'select count(*)::int as runs from exports where schedule_id = $1',
            [id],
          );
          if (
            seen.lastRun?.status === 'completed' &&
            seen.currentRun === null &&
            Number(count?.runs) >= runs
          ) {
            assert.ok(
              new Date(seen.nextRunAt ?? 0) > new Date(),
              'the next run is the rule’s next one from now',
            );
            break;
          }
          assert.ok(Date.now() < deadline, `schedule ${id} never ran: ${JSON.stringify(seen)}`);
          await sleep(200);
        }
      }
      const counts = await app.database.query<{ schedule_id: string; runs: number }>(
        'select schedule_id, count(*)::int as runs from exports where schedule_id = any($1::uuid[]) group by schedule_id',
        [ids],
      );
      return counts.map((row) => [row.schedule_id, Number(row.runs)]).sort();
    };
    assert.deepEqual(await settledRuns(1), ids.map((id) => [id, 1]).sort(), 'exactly one run per schedule');

    // Due again while both workers are up and looking every second: one more run each, not two.
    await app.database.query('update export_schedules set next_run_at = now() where id = any($1::uuid[])', [
      ids,
    ]);
    assert.deepEqual(
      await settledRuns(2),
      ids.map((id) => [id, 2]).sort(),
      'exactly one more run per schedule',
    );
  });
});
