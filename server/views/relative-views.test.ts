import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { resolveDatePreset } from '../../shared/date-presets';
import type { CrmRecord } from '../../shared/records';
import { resolveRecordQuery } from '../records/record-query';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';

describe('a view with a relative date range stays relative', () => {
  let app: TestApp;
  let member: CrmClient;

  before(async () => {
    app = await startTestApp({
      env: { RATE_LIMIT_READS_PER_SECOND: '10000', RATE_LIMIT_WRITES_PER_SECOND: '10000' },
    });
    member = await app.loginAs('member@acme.test');
  });
  after(() => app.close());

  test('stored as the preset, resolved on each use: tomorrow means tomorrow’s last 7 days', async () => {
    const view = await member.views.create.mutate({
      object: 'people',
      name: 'New this week',
      filter: { status: 'lead' },
      dateRange: { attribute: 'created_at', preset: 'last_7_days' },
    });
    assert.deepEqual(view.dateRange, { attribute: 'created_at', preset: 'last_7_days' });
    assert.deepEqual((await member.views.get.query({ id: view.id })).dateRange, view.dateRange);

    const [owner] = await app.database.db.select().from(users).where(eq(users.email, 'member@acme.test'));
    assert.ok(owner);
    const scope = { workspaceId: owner.workspaceId, userId: owner.id, role: owner.role };
    const bounds = async (now: Date) => {
      const query = await resolveRecordQuery(app.database.db, scope, 'people', {
        viewId: view.id,
        timezone: 'Europe/Paris',
        now,
      });
      return JSON.stringify(query.filter);
    };
    const today = await bounds(new Date('2026-11-19T12:00:00Z'));
    const tomorrow = await bounds(new Date('2026-11-20T12:00:00Z'));
    // 2026-11-13 … 2026-11-19 in Paris, then 2026-11-14 … 2026-11-20.
    assert.match(today, /"\$gte":"2026-11-12T23:00:00.000Z","\$lt":"2026-11-19T23:00:00.000Z"/);
    assert.match(tomorrow, /"\$gte":"2026-11-13T23:00:00.000Z","\$lt":"2026-11-20T23:00:00.000Z"/);

    // Listed through a view now: exactly the people created in the last 90 days (UTC days by default).
    const recent = await member.views.create.mutate({
      object: 'people',
      name: 'This quarter-ish',
      dateRange: { attribute: 'created_at', preset: 'last_90_days' },
    });
    const everyone: CrmRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await member.people.list.query({ limit: 500, ...(cursor ? { cursor } : {}) });
      everyone.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const { from, to } = resolveDatePreset('last_90_days', 'UTC', new Date());
    const expected = everyone.filter((person) => {
      const day = String(person.created_at).slice(0, 10);
      return day >= from && day <= to;
    });
    assert.ok(expected.length > 0 && expected.length < everyone.length, `${expected.length} recent people`);
    const listed = await member.people.list.query({ viewId: recent.id, limit: 500 });
    assert.deepEqual(
      listed.records.map((record) => record.id).sort(),
      expected.map((record) => record.id).sort(),
    );

    const updated = await member.views.update.mutate({ id: view.id, dateRange: null });
    assert.equal(updated.dateRange, null);
    const bad = await rejection(
      member.views.create.mutate({
        object: 'people',
        name: 'Bad range',
        dateRange: { attribute: 'email', preset: 'this_month' },
      }),
    );
    assert.equal(bad.data?.code, 'VALIDATION_ERROR');
  });
});
