import { CronExpressionParser } from 'cron-parser';
import type { CalendarSchedule, ScheduleRule, Weekday } from '../../shared/schedules';
import { ApiError } from '../errors/api-error';

/**
 * When a schedule runs next. Every rule becomes cron expressions evaluated by cron-parser in the rule's
 * IANA zone, which keeps local wall-clock time across daylight-saving changes: a 02:30 run on the day the
 * clocks skip 02:00–03:00 runs at 03:30 that day (not skipped), and on the day 02:00–03:00 happens twice
 * it runs once, at the first 02:30.
 */

const cronWeekday: Record<Weekday, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

export function isCalendarRule(rule: ScheduleRule): rule is CalendarSchedule {
  return 'frequency' in rule;
}

/**
 * The cron expressions whose earliest next match is the rule's next run. A monthly day that some months
 * lack (29–31) is two: that day where the month has it, and the month's last day where it does not.
 */
function expressionsOf(rule: ScheduleRule): { expression: string; accept?: (local: Date) => boolean }[] {
  if (!isCalendarRule(rule)) return [{ expression: rule.cron }];
  const [hour, minute] = rule.time.split(':').map(Number);
  const at = `${minute} ${hour}`;
  switch (rule.frequency) {
    case 'daily':
      return [{ expression: `${at} * * *` }];
    case 'weekly':
      return [{ expression: `${at} * * ${cronWeekday[rule.weekday ?? 'monday']}` }];
    case 'monthly': {
      const day = rule.dayOfMonth ?? 1;
      if (day === 'last') return [{ expression: `${at} L * *` }];
      if (day <= 28) return [{ expression: `${at} ${day} * *` }];
      // The last day stands in for `day` only in months shorter than `day`.
      return [
        { expression: `${at} ${day} * *` },
        { expression: `${at} L * *`, accept: (localDay) => localDay.getUTCDate() < day },
      ];
    }
  }
}

/** The day of month of `instant` in `zone`, as a UTC date (for the month-end rule). */
function localDate(instant: Date, zone: string): Date {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
  return new Date(`${parts}T00:00:00Z`);
}

/** VALIDATION_ERROR naming `schedule.cron` when the expression is not five valid cron fields. */
export function assertValidRule(rule: ScheduleRule): void {
  if (isCalendarRule(rule)) return;
  const fields = rule.cron.trim().split(/\s+/);
  let reason: string | undefined;
  if (fields.length !== 5)
    reason = `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  else {
    try {
      CronExpressionParser.parse(rule.cron, { tz: rule.timezone, strict: false });
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  if (!reason) {
    // Each run is a whole export: a rule that fires every minute would keep the workers busy with it.
    const runs = upcomingRuns(rule, new Date(), 12);
    const closest = Math.min(
      ...runs.slice(1).map((run, index) => run.getTime() - (runs[index]?.getTime() ?? 0)),
    );
    if (closest < minimumIntervalMs)
      reason = `runs more often than every ${minimumIntervalMs / 60_000} minutes`;
  }
  if (reason)
    throw new ApiError('VALIDATION_ERROR', 'The cron expression is not valid', {
      issues: [{ path: 'schedule.cron', message: reason }],
    });
}

/** Runs of one schedule are at least this far apart. */
export const minimumIntervalMs = 5 * 60_000;

/** The first run strictly after `after`. */
export function nextRunAfter(rule: ScheduleRule, after: Date): Date {
  let best: Date | undefined;
  for (const { expression, accept } of expressionsOf(rule)) {
    let iterator: ReturnType<typeof CronExpressionParser.parse>;
    try {
      iterator = CronExpressionParser.parse(expression, { currentDate: after, tz: rule.timezone });
    } catch {
      continue;
    }
    // An expression that has no next match (a 30th of February) throws; the others still count.
    for (let tries = 0; tries < 24; tries++) {
      let candidate: Date;
      try {
        candidate = iterator.next().toDate();
      } catch {
        break;
      }
      if (!accept || accept(localDate(candidate, rule.timezone))) {
        if (!best || candidate < best) best = candidate;
        break;
      }
    }
  }
  if (!best)
    throw new ApiError('VALIDATION_ERROR', 'The schedule never runs', {
      issues: [{ path: 'schedule', message: 'no date matches this rule' }],
    });
  return best;
}

/** The next `count` runs after `after` (the app shows a few). */
export function upcomingRuns(rule: ScheduleRule, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  let from = after;
  for (let index = 0; index < count; index++) {
    from = nextRunAfter(rule, from);
    runs.push(from);
  }
  return runs;
}

const ordinal = (day: number) =>
  `${day}${day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th'}`;

/** The rule in words: "Every Monday at 09:00 (Europe/Paris)". */
export function describeRule(rule: ScheduleRule): string {
  if (!isCalendarRule(rule)) return `Cron ${rule.cron} (${rule.timezone})`;
  const zone = `(${rule.timezone})`;
  switch (rule.frequency) {
    case 'daily':
      return `Every day at ${rule.time} ${zone}`;
    case 'weekly': {
      const day = rule.weekday ?? 'monday';
      return `Every ${day.charAt(0).toUpperCase()}${day.slice(1)} at ${rule.time} ${zone}`;
    }
    case 'monthly':
      return rule.dayOfMonth === 'last'
        ? `Monthly on the last day at ${rule.time} ${zone}`
        : `Monthly on the ${ordinal(rule.dayOfMonth ?? 1)} at ${rule.time} ${zone}`;
  }
}
