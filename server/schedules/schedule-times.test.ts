import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScheduleRule } from '../../shared/schedules';
import { ApiError } from '../errors/api-error';
import { assertValidRule, describeRule, nextRunAfter, upcomingRuns } from './schedule-times';

/** The clock is an argument: each case says "now" and reads the runs that follow it. */
function runs(rule: ScheduleRule, now: string, count: number): string[] {
  return upcomingRuns(rule, new Date(now), count).map((run) => run.toISOString());
}

describe('next runs across daylight-saving changes', () => {
  test('Europe/Paris daily 02:30: the skipped hour runs at 03:30, the repeated hour runs once', () => {
    const rule = { frequency: 'daily', time: '02:30', timezone: 'Europe/Paris' } as const;
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    assert.deepEqual(runs(rule, '2026-03-27T12:00:00Z', 4), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 does not exist that day
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // 25 October 2026: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice; one run.
    assert.deepEqual(runs(rule, '2026-10-24T12:00:00Z', 3), [
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  test('Europe/Paris daily 09:00 keeps 09:00 local on both sides of each change', () => {
    const rule = { frequency: 'daily', time: '09:00', timezone: 'Europe/Paris' } as const;
    assert.deepEqual(runs(rule, '2026-03-28T12:00:00Z', 2), [
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    assert.deepEqual(runs(rule, '2026-10-24T12:00:00Z', 2), [
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  test('America/New_York: 02:30 on 8 March 2026 runs at 03:30 EDT; 01:30 on 1 November runs once', () => {
    const early = { frequency: 'daily', time: '02:30', timezone: 'America/New_York' } as const;
    assert.deepEqual(runs(early, '2026-03-07T12:00:00Z', 3), [
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
    const repeated = { frequency: 'daily', time: '01:30', timezone: 'America/New_York' } as const;
    assert.deepEqual(runs(repeated, '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z', // the first 01:30 (EDT)
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  test('weekly Monday 09:00 Europe/Paris, across the spring change', () => {
    const rule = { frequency: 'weekly', weekday: 'monday', time: '09:00', timezone: 'Europe/Paris' } as const;
    assert.deepEqual(runs(rule, '2026-03-18T12:00:00Z', 3), [
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
  });

  test('weekly Sunday 08:00 America/New_York, across the autumn change', () => {
    const rule = {
      frequency: 'weekly',
      weekday: 'sunday',
      time: '08:00',
      timezone: 'America/New_York',
    } as const;
    assert.deepEqual(runs(rule, '2026-10-26T00:00:00Z', 2), [
      '2026-11-01T13:00:00.000Z', // EST from 1 November
      '2026-11-08T13:00:00.000Z',
    ]);
  });

  test('cron on weekdays at 09:00 New York, and an hourly cron runs every real hour through both changes', () => {
    assert.deepEqual(runs({ cron: '0 9 * * 1-5', timezone: 'America/New_York' }, '2026-03-06T15:00:00Z', 2), [
      '2026-03-09T13:00:00.000Z', // Friday's run is past; Monday 09:00 EDT
      '2026-03-10T13:00:00.000Z',
    ]);
    // Paris, 25 October 2026: 02:00 happens twice, and an hourly job runs at both.
    assert.deepEqual(runs({ cron: '0 * * * *', timezone: 'Europe/Paris' }, '2026-10-24T23:30:00Z', 4), [
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
    // New York, 8 March 2026: 02:xx does not exist; 01:30 EST is followed by 03:30 EDT, an hour later.
    assert.deepEqual(runs({ cron: '30 * * * *', timezone: 'America/New_York' }, '2026-03-08T06:00:00Z', 2), [
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
    ]);
  });
});

describe('month ends and leap days', () => {
  test('the 31st runs on the last day of shorter months, and on the 31st where there is one', () => {
    const rule = { frequency: 'monthly', dayOfMonth: 31, time: '09:00', timezone: 'Europe/Paris' } as const;
    assert.deepEqual(runs(rule, '2026-01-31T12:00:00Z', 4), [
      '2026-02-28T08:00:00.000Z',
      '2026-03-31T07:00:00.000Z', // CEST since 29 March
      '2026-04-30T07:00:00.000Z',
      '2026-05-31T07:00:00.000Z',
    ]);
  });

  test('the 29th and 30th in February: the 29th of a leap year, else the 28th', () => {
    const on29 = {
      frequency: 'monthly',
      dayOfMonth: 29,
      time: '09:00',
      timezone: 'America/New_York',
    } as const;
    assert.deepEqual(runs(on29, '2027-02-01T00:00:00Z', 2), [
      '2027-02-28T14:00:00.000Z',
      '2027-03-29T13:00:00.000Z', // EDT since 14 March 2027
    ]);
    assert.deepEqual(runs(on29, '2028-02-01T00:00:00Z', 1), ['2028-02-29T14:00:00.000Z']);
    const on30 = { frequency: 'monthly', dayOfMonth: 30, time: '09:00', timezone: 'Europe/Paris' } as const;
    assert.deepEqual(runs(on30, '2028-01-31T12:00:00Z', 2), [
      '2028-02-29T08:00:00.000Z',
      '2028-03-30T07:00:00.000Z',
    ]);
  });

  test('"last" is each month’s last day, 29 February in a leap year', () => {
    const rule = { frequency: 'monthly', dayOfMonth: 'last', time: '23:30', timezone: 'UTC' } as const;
    assert.deepEqual(runs(rule, '2028-01-15T00:00:00Z', 3), [
      '2028-01-31T23:30:00.000Z',
      '2028-02-29T23:30:00.000Z',
      '2028-03-31T23:30:00.000Z',
    ]);
  });

  test('a cron on 29 February runs on leap days only', () => {
    assert.deepEqual(runs({ cron: '0 9 29 2 *', timezone: 'Europe/Paris' }, '2026-01-01T00:00:00Z', 2), [
      '2028-02-29T08:00:00.000Z',
      '2032-02-29T08:00:00.000Z',
    ]);
  });
});

describe('rules', () => {
  test('the next run is strictly after now: at a run’s own instant, the one after it', () => {
    const rule = { frequency: 'daily', time: '09:00', timezone: 'UTC' } as const;
    assert.equal(
      nextRunAfter(rule, new Date('2026-05-01T09:00:00Z')).toISOString(),
      '2026-05-02T09:00:00.000Z',
    );
    assert.equal(
      nextRunAfter(rule, new Date('2026-05-01T08:59:59Z')).toISOString(),
      '2026-05-01T09:00:00.000Z',
    );
  });

  test('a cron expression that is not five valid fields is a VALIDATION_ERROR on schedule.cron', () => {
    for (const cron of [
      '0 9 * *',
      '61 9 * * *',
      '0 9 * * 1 2026',
      'every day at 9',
      '0 0 30 2 *',
      '* * * * *',
    ]) {
      assert.throws(
        () => assertValidRule({ cron, timezone: 'UTC' }),
        (error: unknown) =>
          error instanceof ApiError &&
          error.code === 'VALIDATION_ERROR' &&
          JSON.stringify(error.details).includes('schedule.cron'),
        cron,
      );
    }
    assert.doesNotThrow(() => assertValidRule({ cron: '*/15 8-18 * * 1-5', timezone: 'Europe/Paris' }));
  });

  test('described in words', () => {
    assert.equal(
      describeRule({ frequency: 'weekly', weekday: 'monday', time: '09:00', timezone: 'Europe/Paris' }),
      'Every Monday at 09:00 (Europe/Paris)',
    );
    assert.equal(
      describeRule({ frequency: 'monthly', dayOfMonth: 'last', time: '18:00', timezone: 'UTC' }),
      'Monthly on the last day at 18:00 (UTC)',
    );
    assert.equal(
      describeRule({ frequency: 'monthly', dayOfMonth: 2, time: '18:00', timezone: 'UTC' }),
      'Monthly on the 2nd at 18:00 (UTC)',
    );
  });
});
