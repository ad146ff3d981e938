import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Mailer } from '../exports/notify/export-email';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { manualClock } from './clock';
import { type ExportScheduler, startExportScheduler } from './scheduler';

/**
 * Failed runs, with no export workers: each run's export stays queued until the test ends it (failed,
 * as a worker would on a storage error), and the scheduler's clock moves only when the test moves it.
 */

let app: TestApp;
let member: CrmClient;
const clock = manualClock('2026-09-01T05:00:00Z');
const mail: { to: string; subject: string; text: string }[] = [];
const mailer: Mailer = {
  async send(message) {
    mail.push(message);
  },
};
let scheduler: ExportScheduler;

before(async () => {
  app = await startTestApp({
    exports: { workers: false },
    env: {
      EXPORT_SCHEDULE_ATTEMPTS: '2',
      EXPORT_SCHEDULE_RETRY_SECONDS: '60',
      EXPORT_SCHEDULE_PAUSE_AFTER: '2',
      RATE_LIMIT_READS_PER_SECOND: '1000',
      RATE_LIMIT_WRITES_PER_SECOND: '1000',
    },
  });
  member = await app.loginAs('member@acme.test');
  scheduler = startExportScheduler(app.services, { clock, mailer, loop: false });
});
after(async () => {
  await scheduler?.stop();
  await app?.close();
});

async function runs(scheduleId: string): Promise<{ id: string; status: string }[]> {
  return app.database.query('select id, status from exports where schedule_id = $1 order by created_at, id', [
    scheduleId,
  ]);
}

/** The run's export ends failed, as a worker leaves it when storage refuses the file. */
async function failCurrentRun(scheduleId: string): Promise<string> {
  const schedule = await member.exportSchedules.get.query({ id: scheduleId });
  const exportId = schedule.currentRun?.exportId;
  assert.ok(exportId, 'a run is in progress');
  await app.database.query(
    `update exports set status = 'failed', finished_at = now(),
       error = '{"code":"EXPORT_STORAGE_ERROR","message":"The export file could not be stored"}'::jsonb
     where id = $1`,
    [exportId],
  );
  return exportId;
}

test('a failed run is retried after a backoff; the owner is told after the last attempt; failed runs in a row pause the schedule', async () => {
  const schedule = await member.exportSchedules.create.mutate({
    name: 'Nightly people',
    request: { object: 'people', format: 'csv' },
    schedule: { frequency: 'daily', time: '06:00', timezone: 'UTC' },
    notify: { email: true },
  });
  await app.database.query(`update export_schedules set next_run_at = '2026-09-01T06:00:00Z' where id = $1`, [
    schedule.id,
  ]);

  clock.set('2026-09-01T06:00:00Z');
  await scheduler.sweep();
  assert.equal((await runs(schedule.id)).length, 1);
  await failCurrentRun(schedule.id);
  await scheduler.sweep();
  let seen = await member.exportSchedules.get.query({ id: schedule.id });
  assert.deepEqual(seen.currentRun, { exportId: null, attempt: 1, retryAt: '2026-09-01T06:01:00.000Z' });
  assert.equal(seen.lastRun?.status, 'failed');
  assert.equal(mail.length, 0, 'nobody is told before the last attempt');
  assert.equal(
    (await rejection(member.exportSchedules.runNow.mutate({ id: schedule.id }))).data?.code,
    'SCHEDULE_RUN_IN_PROGRESS',
  );

  clock.set('2026-09-01T06:00:59Z');
  await scheduler.sweep();
  assert.equal((await runs(schedule.id)).length, 1, 'not before the backoff');
  clock.set('2026-09-01T06:01:00Z');
  await scheduler.sweep();
  assert.equal((await runs(schedule.id)).length, 2, 'the second attempt');
  await failCurrentRun(schedule.id);
  await scheduler.sweep();
  seen = await member.exportSchedules.get.query({ id: schedule.id });
  assert.equal(seen.currentRun, null, 'the run is over after its last attempt');
  assert.equal(seen.consecutiveFailures, 1);
  assert.equal(seen.status, 'active');
  assert.equal(seen.nextRunAt, '2026-09-02T06:00:00.000Z');
  assert.equal(mail.length, 1);
  assert.equal(mail[0]?.to, 'member@acme.test');
  assert.match(mail[0]?.subject ?? '', /Nightly people: Your People export failed/);
  assert.match(mail[0]?.text ?? '', /failed 2 times in a row[\s\S]*could not be stored/);

  // The next day's run fails twice too: two failed runs in a row pause it, and the owner hears why.
  clock.set('2026-09-02T06:00:00Z');
  await scheduler.sweep();
  await failCurrentRun(schedule.id);
  await scheduler.sweep();
  clock.set('2026-09-02T06:01:00Z');
  await scheduler.sweep();
  await failCurrentRun(schedule.id);
  await scheduler.sweep();
  seen = await member.exportSchedules.get.query({ id: schedule.id });
  assert.equal((await runs(schedule.id)).length, 4);
  assert.equal(seen.status, 'paused');
  assert.equal(seen.nextRunAt, null);
  assert.equal(seen.pausedReason?.code, 'TOO_MANY_FAILURES');
  assert.match(seen.pausedReason?.message ?? '', /Paused after 2 failed runs in a row.*could not be stored/);
  assert.equal(mail.length, 2);
  assert.match(mail[1]?.subject ?? '', /Scheduled export paused: Nightly people/);

  clock.set('2026-09-10T00:00:00Z');
  await scheduler.sweep();
  assert.equal((await runs(schedule.id)).length, 4, 'a paused schedule does not run');

  // Resumed, it starts afresh from its next time (the paused days are not caught up).
  const resumed = await member.exportSchedules.resume.mutate({ id: schedule.id });
  assert.equal(resumed.consecutiveFailures, 0);
  assert.ok(resumed.nextRunAt);
});

test('pausing a run that waits for its retry drops it: resumed, the schedule starts afresh at its next time', async () => {
  clock.set('2026-10-01T05:00:00Z');
  const schedule = await member.exportSchedules.create.mutate({
    name: 'Paused while retrying',
    request: { object: 'companies', format: 'csv' },
    schedule: { frequency: 'daily', time: '06:00', timezone: 'UTC' },
  });
  await app.database.query(`update export_schedules set next_run_at = '2026-10-01T06:00:00Z' where id = $1`, [
    schedule.id,
  ]);
  clock.set('2026-10-01T06:00:00Z');
  await scheduler.sweep();
  const failed = await failCurrentRun(schedule.id);
  await scheduler.sweep();
  assert.ok((await member.exportSchedules.get.query({ id: schedule.id })).currentRun?.retryAt);
  const paused = await member.exportSchedules.pause.mutate({ id: schedule.id });
  assert.equal(paused.currentRun, null, 'the pending retry is dropped');
  const resumed = await member.exportSchedules.resume.mutate({ id: schedule.id });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.currentRun, null);
  // runNow is free to start (no run is left over), and starts a new export, not the failed one again.
  const run = await member.exportSchedules.runNow.mutate({ id: schedule.id });
  assert.notEqual(run.id, failed);
  assert.equal(run.status, 'queued');
  assert.equal((await runs(schedule.id)).length, 2);
});

test('a run that is cancelled is neither retried nor counted as a failure', async () => {
  const schedule = await member.exportSchedules.create.mutate({
    name: 'Cancelled once',
    request: { object: 'companies', format: 'json' },
    schedule: { frequency: 'daily', time: '06:00', timezone: 'UTC' },
  });
  const run = await member.exportSchedules.runNow.mutate({ id: schedule.id });
  assert.equal(run.status, 'queued');
  await member.cancelExport.mutate({ exportId: run.id });
  await scheduler.sweep();
  const seen = await member.exportSchedules.get.query({ id: schedule.id });
  assert.equal(seen.currentRun, null);
  assert.equal(seen.consecutiveFailures, 0);
  assert.equal(seen.lastRun?.status, 'cancelled');
  assert.equal((await runs(schedule.id)).length, 1);
});
