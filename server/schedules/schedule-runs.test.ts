import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mailer } from '../exports/notify/export-email';
import { signWebhook, webhookSecret } from '../exports/notify/webhook-signature';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { manualClock } from './clock';
import { createSchedule } from './schedule-service';
import { type ExportScheduler, startExportScheduler } from './scheduler';

/**
 * Scheduled exports against a real app and export engine, with the scheduler's clock in the test's hands:
 * each sweep is called explicitly at a chosen "now". The records' own timestamps (and the changes
 * windows) come from the database's clock, as in production.
 */

let app: TestApp;
let member: CrmClient;
let admin: CrmClient;
const clock = manualClock(new Date());
const mail: { to: string; subject: string; text: string }[] = [];
const mailer: Mailer = {
  async send(message) {
    mail.push(message);
  },
};
let scheduler: ExportScheduler;

before(async () => {
  app = await startTestApp({
    exports: true,
    env: {
      RATE_LIMIT_READS_PER_SECOND: '1000',
      RATE_LIMIT_WRITES_PER_SECOND: '1000',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    },
  });
  member = await app.loginAs('member@acme.test');
  admin = await app.loginAs('admin@acme.test');
  scheduler = startExportScheduler(app.services, { clock, mailer, loop: false });
});
after(async () => {
  await scheduler?.stop();
  await app?.close();
});

async function runsOf(scheduleId: string): Promise<{ id: string; created_at: Date }[]> {
  return app.database.query(
    'select id, created_at from exports where schedule_id = $1 order by created_at, id',
    [scheduleId],
  );
}

/** Settles the schedule's run once its export has ended (the sweep that follows the export). */
async function settle(client: CrmClient, scheduleId: string) {
  const schedule = await client.exportSchedules.get.query({ id: scheduleId });
  const exportId = schedule.currentRun?.exportId;
  assert.ok(exportId, 'a run is in progress');
  const done = await waitForExport(client, exportId);
  await scheduler.sweep();
  return done;
}

async function downloadedIds(client: CrmClient, exportId: string): Promise<string[]> {
  const link = await client.downloadExport.mutate({ exportId });
  const text = (await (await fetch(link.url)).text()).trim();
  return text ? text.split('\n').map((line) => (JSON.parse(line) as { id: string }).id) : [];
}

describe('the model', () => {
  test('create answers the schedule with its next run; get, list and update show it; every export carries scheduleId', async () => {
    clock.set(new Date());
    const created = await member.exportSchedules.create.mutate({
      name: 'Weekly customers',
      request: { object: 'people', format: 'csv', filter: { status: 'customer' } },
      schedule: { frequency: 'weekly', weekday: 'monday', time: '09:00', timezone: 'Europe/Paris' },
      mode: 'all',
      notify: { email: true },
    });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.status, 'active');
    assert.equal(created.lastRun, null);
    assert.equal(created.description, 'Every Monday at 09:00 (Europe/Paris)');
    const next = new Date(created.nextRunAt ?? '');
    assert.ok(next > new Date(), 'the next run is in the future');
    assert.equal(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'long',
        hour: '2-digit',
        minute: '2-digit',
      }).format(next),
      'Monday 09:00',
    );
    assert.deepEqual(await member.exportSchedules.get.query({ id: created.id }), created);
    const listed = await member.exportSchedules.list.query();
    assert.ok(listed.schedules.some((schedule) => schedule.id === created.id));

    const updated = await member.exportSchedules.update.mutate({
      id: created.id,
      name: 'Daily customers',
      schedule: { frequency: 'daily', time: '07:15', timezone: 'America/New_York' },
    });
    assert.equal(updated.name, 'Daily customers');
    assert.equal(updated.description, 'Every day at 07:15 (America/New_York)');
    assert.notEqual(updated.nextRunAt, created.nextRunAt);

    const oneOff = await member.startExport.mutate({ object: 'people', format: 'csv' });
    assert.equal(oneOff.scheduleId, null);
    const run = await member.exportSchedules.runNow.mutate({ id: created.id });
    assert.equal(run.scheduleId, created.id);
    assert.equal((await member.exportStatus.query({ exportId: run.id })).scheduleId, created.id);
    await settle(member, created.id);
    await member.exportSchedules.delete.mutate({ id: created.id });
    assert.equal(
      (await rejection(member.exportSchedules.get.query({ id: created.id }))).data?.code,
      'NOT_FOUND',
    );
    // Its runs stay in the history as ordinary exports.
    assert.equal((await member.exportStatus.query({ exportId: run.id })).scheduleId, null);
  });

  test('a relative date range is saved as such: each run resolves it when it runs', async () => {
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Last month’s activities, for the board',
      request: {
        object: 'activities',
        format: 'xlsx',
        dateRange: { attribute: 'occurred_at', preset: 'last_month' },
      },
      schedule: { frequency: 'monthly', dayOfMonth: 1, time: '07:00', timezone: 'Europe/Paris' },
    });
    assert.deepEqual(schedule.request.dateRange, { attribute: 'occurred_at', preset: 'last_month' });
    const run = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    assert.deepEqual(run.request.dateRange, { attribute: 'occurred_at', preset: 'last_month' });
    await settle(member, schedule.id);
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('the request is validated as startExport validates it, and the rule too', async () => {
    const base = {
      name: 'x',
      request: { object: 'people', format: 'csv' },
      schedule: { frequency: 'daily', time: '09:00', timezone: 'UTC' },
    } as const;
    const badFilter = await rejection(
      member.exportSchedules.create.mutate({
        ...base,
        request: { ...base.request, filter: { shoe_size: 42 } },
      }),
    );
    assert.equal(badFilter.data?.code, 'INVALID_FILTER');
    const badColumn = await rejection(
      member.exportSchedules.create.mutate({ ...base, request: { ...base.request, columns: ['nope'] } }),
    );
    assert.equal(badColumn.data?.code, 'VALIDATION_ERROR');
    const badCron = await rejection(
      member.exportSchedules.create.mutate({ ...base, schedule: { cron: '0 25 * * *', timezone: 'UTC' } }),
    );
    assert.equal(badCron.data?.code, 'VALIDATION_ERROR');
    assert.match(JSON.stringify(badCron.data?.details), /schedule\.cron/);
    const badZone = await rejection(
      member.exportSchedules.create.mutate({
        ...base,
        schedule: { ...base.schedule, timezone: 'Mars/Olympus' },
      }),
    );
    assert.equal(badZone.data?.code, 'VALIDATION_ERROR');
    const weeklyWithoutDay = await rejection(
      member.exportSchedules.create.mutate({ ...base, schedule: { ...base.schedule, frequency: 'weekly' } }),
    );
    assert.equal(weeklyWithoutDay.data?.code, 'VALIDATION_ERROR');
    const unknownField = await rejection(
      // @ts-expect-error an unknown field is refused, not ignored
      member.exportSchedules.create.mutate({ ...base, every: 'day' }),
    );
    assert.equal(unknownField.data?.code, 'VALIDATION_ERROR');
    const stranger = await rejection(
      member.exportSchedules.create.mutate({ ...base, notify: { recipients: ['admin@globex.test'] } }),
    );
    assert.equal(stranger.data?.code, 'VALIDATION_ERROR');
  });

  test('viewers and API keys without exports:write are FORBIDDEN; others’ schedules are NOT_FOUND, admins see the workspace’s', async () => {
    const input = {
      name: 'Mine',
      request: { object: 'companies', format: 'json' },
      schedule: { frequency: 'monthly', dayOfMonth: 'last', time: '18:00', timezone: 'UTC' },
    } as const;
    const viewer = await app.loginAs('viewer@acme.test');
    assert.equal((await rejection(viewer.exportSchedules.create.mutate(input))).data?.code, 'FORBIDDEN');
    const readOnlyKey = await admin.apiKeys.create.mutate({ name: 'read only', scopes: ['exports:read'] });
    const { createClient } = await import('../sdk');
    const keyClient = createClient({ url: app.url, apiKey: readOnlyKey.key });
    assert.equal((await rejection(keyClient.exportSchedules.create.mutate(input))).data?.code, 'FORBIDDEN');

    const mine = await member.exportSchedules.create.mutate(input);
    const ofAdmin = await admin.exportSchedules.create.mutate({ ...input, name: 'Admin’s' });
    assert.equal(
      (await rejection(member.exportSchedules.get.query({ id: ofAdmin.id }))).data?.code,
      'NOT_FOUND',
    );
    assert.equal(
      (await rejection(member.exportSchedules.pause.mutate({ id: ofAdmin.id }))).data?.code,
      'NOT_FOUND',
    );
    const adminList = (await admin.exportSchedules.list.query()).schedules.map((schedule) => schedule.id);
    assert.ok(adminList.includes(mine.id) && adminList.includes(ofAdmin.id));
    const seenByAdmin = await admin.exportSchedules.get.query({ id: mine.id });
    assert.equal(seenByAdmin.owner?.email, 'member@acme.test');
    assert.equal(seenByAdmin.editable, true);
    const globex = await app.loginAs('admin@globex.test');
    assert.equal(
      (await rejection(globex.exportSchedules.get.query({ id: mine.id }))).data?.code,
      'NOT_FOUND',
    );

    const paused = await member.exportSchedules.pause.mutate({ id: mine.id });
    assert.equal(paused.status, 'paused');
    assert.equal(paused.nextRunAt, null);
    assert.equal(paused.pausedReason?.code, 'PAUSED_BY_USER');
    const resumed = await member.exportSchedules.resume.mutate({ id: mine.id });
    assert.equal(resumed.status, 'active');
    assert.ok(resumed.nextRunAt);
    await member.exportSchedules.delete.mutate({ id: mine.id });
    await admin.exportSchedules.delete.mutate({ id: ofAdmin.id });
  });
});

describe('delivery', () => {
  test('a webhook run is delivered signed, as export.completed with schedule_id', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const schedule = await member.exportSchedules.create.mutate({
        name: 'Nightly sync',
        request: { object: 'companies', format: 'json' },
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
        notify: { webhookUrl: `http://127.0.0.1:${port}/hooks/crm` },
      });
      const run = await member.exportSchedules.runNow.mutate({ id: schedule.id });
      await settle(member, schedule.id);
      const deadline = Date.now() + 60_000;
      while (!received.length) {
        assert.ok(Date.now() < deadline, 'the webhook never arrived');
        await sleep(100);
      }
      const [delivery] = received;
      const payload = JSON.parse(delivery?.body ?? '{}') as {
        event: string;
        schedule_id: string;
        export: { id: string; scheduleId: string };
      };
      assert.equal(payload.event, 'export.completed');
      assert.equal(payload.schedule_id, schedule.id);
      assert.equal(payload.export.id, run.id);
      assert.equal(payload.export.scheduleId, schedule.id);
      const timestamp = Number(delivery?.headers['x-crm-timestamp']);
      assert.equal(
        delivery?.headers['x-crm-signature'],
        signWebhook(webhookSecret(app.services.env), timestamp, delivery?.body ?? ''),
      );
      await member.exportSchedules.delete.mutate({ id: schedule.id });
    } finally {
      server.close();
    }
  });
});

describe('when runs happen (controllable clock)', () => {
  test('a due run starts once at its time; missed runs run once, not once per missed slot', async () => {
    clock.set('2026-05-01T06:00:00Z');
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Daily companies',
      request: { object: 'companies', format: 'csv' },
      schedule: { frequency: 'daily', time: '09:00', timezone: 'Europe/Paris' },
    });
    // Created with the real clock; the scheduler's clock decides from here on.
    await app.database.query('update export_schedules set next_run_at = $2 where id = $1', [
      schedule.id,
      '2026-05-01T07:00:00Z',
    ]);
    clock.set('2026-05-01T06:59:59Z');
    await scheduler.sweep();
    assert.equal((await runsOf(schedule.id)).length, 0, 'not before its time');
    clock.set('2026-05-01T07:00:00Z');
    await scheduler.sweep();
    await scheduler.sweep();
    assert.equal((await runsOf(schedule.id)).length, 1, 'one run at its time, however many sweeps');
    const done = await settle(member, schedule.id);
    assert.equal(done.status, 'completed');
    let seen = await member.exportSchedules.get.query({ id: schedule.id });
    assert.equal(seen.nextRunAt, '2026-05-02T07:00:00.000Z');
    assert.equal(seen.lastRun?.exportId, done.id);
    assert.equal(seen.lastRun?.status, 'completed');
    assert.equal(seen.currentRun, null);

    // Workers down for three days and a half: the run of 2, 3, 4 and 5 May happens once, now.
    clock.set('2026-05-05T19:30:00Z');
    await scheduler.sweep();
    await scheduler.sweep();
    assert.equal((await runsOf(schedule.id)).length, 2);
    await settle(member, schedule.id);
    seen = await member.exportSchedules.get.query({ id: schedule.id });
    assert.equal(seen.nextRunAt, '2026-05-06T07:00:00.000Z', 'then back on the rule');
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('two schedulers sweeping at the same moment start each due run exactly once', async () => {
    clock.set('2026-06-01T12:00:00Z');
    const ids: string[] = [];
    for (let index = 0; index < 6; index++) {
      const created = await member.exportSchedules.create.mutate({
        name: `Race ${index}`,
        request: { object: 'companies', format: 'json', columns: ['name'] },
        schedule: { frequency: 'daily', time: '11:00', timezone: 'UTC' },
      });
      ids.push(created.id);
    }
    await app.database.query(
      `update export_schedules set next_run_at = '2026-06-01T11:00:00Z' where id = any($1::uuid[])`,
      [ids],
    );
    const other = startExportScheduler(app.services, { clock, mailer, loop: false });
    await Promise.all([scheduler.sweep(), other.sweep(), scheduler.sweep(), other.sweep()]);
    await other.stop();
    for (const id of ids) {
      const runs = await runsOf(id);
      assert.equal(runs.length, 1, `schedule ${id}`);
      await waitForExport(member, runs[0]?.id ?? '');
    }
    await scheduler.sweep();
    for (const id of ids) {
      const seen = await member.exportSchedules.get.query({ id });
      assert.equal(seen.currentRun, null);
      assert.equal(seen.lastRun?.status, 'completed');
      assert.equal(seen.nextRunAt, '2026-06-02T11:00:00.000Z');
      await member.exportSchedules.delete.mutate({ id });
    }
  });
});

describe('only the changes since the last successful run', () => {
  test('the second file holds exactly the records created or updated between the runs; one changed during a run is in the next', async () => {
    clock.set(new Date());
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Changed contacts',
      request: {
        object: 'people',
        format: 'json',
        options: { jsonLines: true },
        columns: ['email', 'updated_at'],
      },
      schedule: { frequency: 'daily', time: '03:00', timezone: 'UTC' },
      mode: 'changes',
    });
    const everyone = (await member.people.count.query({})).total;

    const first = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    assert.equal((await downloadedIds(member, first.id)).length, everyone, 'the first run takes everything');
    const afterFirst = await member.exportSchedules.get.query({ id: schedule.id });
    assert.ok(afterFirst.watermark, 'a watermark is kept');

    const page = await member.people.list.query({ limit: 3 });
    const [toUpdate, later] = page.records;
    assert.ok(toUpdate && later);
    const created = await member.people.assert.mutate({
      matching_attribute: 'email',
      values: { email: 'new.between.runs@acme.test', first_name: 'New' },
    });
    await member.people.assert.mutate({
      matching_attribute: 'email',
      values: { email: toUpdate.email, job_title: 'Changed between runs' },
    });

    // The scheduled run (clock at its time), not runNow: the same window logic either way.
    await app.database.query('update export_schedules set next_run_at = $2 where id = $1', [
      schedule.id,
      clock.now().toISOString(),
    ]);
    await scheduler.sweep();
    const second = await member.exportSchedules.get.query({ id: schedule.id });
    const secondExport = second.currentRun?.exportId;
    assert.ok(secondExport);
    // Changed after the second run's window closed (the run is under way): not in it, in the third.
    await member.people.assert.mutate({
      matching_attribute: 'email',
      values: { email: later.email, job_title: 'Changed during the second run' },
    });
    await settle(member, schedule.id);
    assert.deepEqual(
      (await downloadedIds(member, secondExport)).sort(),
      [created.record.id, toUpdate.id].sort(),
      'exactly what changed between the runs',
    );

    const third = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    assert.deepEqual(await downloadedIds(member, third.id), [later.id], 'the record changed during the run');
    const fourth = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    assert.deepEqual(await downloadedIds(member, fourth.id), [], 'nothing changed since');
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('a record written by a transaction still open when the window closes is in the next run (Postgres)', {
    skip: process.env.DATABASE_URL
      ? false
      : 'PGlite runs one transaction at a time: none can be open across a run',
  }, async () => {
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Open transactions',
      request: { object: 'people', format: 'json', options: { jsonLines: true } },
      schedule: { frequency: 'daily', time: '03:00', timezone: 'UTC' },
      mode: 'changes',
    });
    await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);

    // Another connection inserts a person (stamped with its transaction's start) and commits only after
    // the next run's window has closed and its export has read the data.
    const postgres = (await import('postgres')).default;
    const other = postgres(app.services.env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
    let commit = () => {};
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let inserted: (value: string) => void = () => {};
    const insertedId = new Promise<string>((resolve) => {
      inserted = resolve;
    });
    const [acme] = await app.database.query<{ id: string }>(`select id from workspaces where slug = 'acme'`);
    const transaction = other.begin(async (sql) => {
      const [row] = await sql<{ id: string }[]>`
        insert into people (workspace_id, email, first_name) values (${acme?.id ?? ''}, 'slow.writer@acme.test', 'Slow')
        returning id`;
      inserted(row?.id ?? '');
      await committed;
    });
    const slowId = await insertedId;
    try {
      const second = await member.exportSchedules.runNow.mutate({ id: schedule.id });
      await settle(member, schedule.id);
      assert.ok(
        !(await downloadedIds(member, second.id)).includes(slowId),
        'not committed when the run read',
      );
    } finally {
      commit();
      await transaction;
      await other.end();
    }
    const third = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    assert.ok(
      (await downloadedIds(member, third.id)).includes(slowId),
      'its stamp is older than the second window’s end, yet it is not lost: the next run has it',
    );
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('a chosen start: the first run takes only what changed since then', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const before = await member.people.assert.mutate({
      matching_attribute: 'email',
      values: { email: 'recent.change@acme.test', first_name: 'Recent' },
    });
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Since a minute ago',
      request: { object: 'people', format: 'json', options: { jsonLines: true } },
      schedule: { frequency: 'daily', time: '03:00', timezone: 'UTC' },
      mode: 'changes',
      changesSince: since,
    });
    const first = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    const ids = await downloadedIds(member, first.id);
    assert.ok(ids.includes(before.record.id));
    assert.ok(ids.length < (await member.people.count.query({})).total);
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });
});

describe('permissions at every run', () => {
  test('an owner downgraded to viewer: the run does not start, the schedule pauses and says why', async () => {
    const schedule = await member.exportSchedules.create.mutate({
      name: 'Owner will be downgraded',
      request: { object: 'people', format: 'csv' },
      schedule: { frequency: 'daily', time: '09:00', timezone: 'UTC' },
      notify: { email: true },
    });
    await app.database.query(`update users set role = 'viewer' where email = 'member@acme.test'`);
    try {
      await app.database.query('update export_schedules set next_run_at = $2 where id = $1', [
        schedule.id,
        clock.now().toISOString(),
      ]);
      mail.length = 0;
      await scheduler.sweep();
      assert.equal((await runsOf(schedule.id)).length, 0, 'no export was started');
      const seen = await admin.exportSchedules.get.query({ id: schedule.id });
      assert.equal(seen.status, 'paused');
      assert.equal(seen.nextRunAt, null);
      assert.equal(seen.pausedReason?.code, 'OWNER_NOT_ALLOWED');
      assert.match(seen.pausedReason?.message ?? '', /Max Member, is now a viewer and can no longer export/);
      assert.equal(mail.length, 1);
      assert.equal(mail[0]?.to, 'member@acme.test');
      assert.match(mail[0]?.text ?? '', /paused[\s\S]*now a viewer/);
      // It cannot be resumed while the owner cannot export.
      assert.equal(
        (await rejection(admin.exportSchedules.resume.mutate({ id: schedule.id }))).data?.code,
        'FORBIDDEN',
      );
    } finally {
      await app.database.query(`update users set role = 'member' where email = 'member@acme.test'`);
    }
    const resumed = await member.exportSchedules.resume.mutate({ id: schedule.id });
    assert.equal(resumed.status, 'active');
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('an owner who left the workspace: the schedule stays, paused, saying so; admins still see it', async () => {
    const [acme] = await app.database.query<{ id: string; slug: string; name: string }>(
      `select id, slug, name from workspaces where slug = 'acme'`,
    );
    assert.ok(acme);
    const [leaver] = await app.database.query<{ id: string }>(
      `insert into users (workspace_id, email, name, role, password_hash)
       values ($1, 'leaver@acme.test', 'Lee Leaver', 'member', 'x') returning id`,
      [acme.id],
    );
    assert.ok(leaver);
    const schedule = await createSchedule(
      app.services,
      {
        user: { id: leaver.id, email: 'leaver@acme.test', name: 'Lee Leaver', role: 'member' },
        workspace: acme,
        via: 'session',
        scopes: ['exports:read', 'exports:write'],
      },
      {
        name: 'Left behind',
        request: { object: 'companies', format: 'csv' },
        schedule: { frequency: 'daily', time: '09:00', timezone: 'UTC' },
      },
      clock,
    );
    await app.database.query('delete from users where id = $1', [leaver.id]);
    await app.database.query('update export_schedules set next_run_at = $2 where id = $1', [
      schedule.id,
      clock.now().toISOString(),
    ]);
    await scheduler.sweep();
    const seen = await admin.exportSchedules.get.query({ id: schedule.id });
    assert.equal(seen.owner, null);
    assert.equal(seen.status, 'paused');
    assert.equal(seen.pausedReason?.code, 'OWNER_REMOVED');
    assert.match(seen.pausedReason?.message ?? '', /no longer a member of the workspace/);
    assert.equal((await runsOf(schedule.id)).length, 0);
    await admin.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('a view the owner can no longer see: the schedule pauses with the reason', async () => {
    const view = await admin.views.create.mutate({
      object: 'people',
      name: 'Shared VIPs',
      filter: {},
      shared: true,
    });
    const schedule = await member.exportSchedules.create.mutate({
      name: 'From a shared view',
      request: { object: 'people', format: 'csv', viewId: view.id },
      schedule: { frequency: 'daily', time: '09:00', timezone: 'UTC' },
    });
    await admin.views.update.mutate({ id: view.id, shared: false });
    await assert.rejects(member.exportSchedules.runNow.mutate({ id: schedule.id }));
    const seen = await member.exportSchedules.get.query({ id: schedule.id });
    assert.equal(seen.status, 'paused');
    assert.equal(seen.pausedReason?.code, 'REQUEST_INVALID');
    assert.equal((await runsOf(schedule.id)).length, 0);
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });

  test('recipients are emailed a link to the Exports page and may open and download that run', async () => {
    const schedule = await member.exportSchedules.create.mutate({
      name: 'For the viewer',
      request: { object: 'companies', format: 'csv' },
      schedule: { frequency: 'daily', time: '09:00', timezone: 'UTC' },
      notify: { email: true, recipients: ['viewer@acme.test'] },
    });
    mail.length = 0;
    const run = await member.exportSchedules.runNow.mutate({ id: schedule.id });
    await settle(member, schedule.id);
    assert.deepEqual(mail.map((message) => message.to).sort(), ['member@acme.test', 'viewer@acme.test']);
    for (const message of mail) {
      assert.match(message.subject, /^For the viewer: /);
      assert.match(message.text, new RegExp(`/exports\\?highlight=${run.id}`));
      assert.doesNotMatch(message.text, /download\?token=/);
    }
    const viewer = await app.loginAs('viewer@acme.test');
    assert.equal((await viewer.exportStatus.query({ exportId: run.id })).status, 'completed');
    const link = await viewer.downloadExport.mutate({ exportId: run.id });
    assert.equal((await fetch(link.url)).status, 200);
    await member.exportSchedules.delete.mutate({ id: schedule.id });
  });
});
