import { z } from 'zod';
import { StartExportInput } from './exports';
import { RecordId } from './records';
import { text } from './text';

/**
 * Scheduled exports: a saved startExport request that runs daily, weekly, monthly or on a cron
 * expression, in an IANA time zone, with everything or only the records changed since the last
 * successful run, delivered by email (a link to the Exports page) and/or a signed webhook.
 */

export const scheduleFrequencies = ['daily', 'weekly', 'monthly'] as const;
export const weekdays = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof weekdays)[number];
export const scheduleModes = ['all', 'changes'] as const;
export type ScheduleMode = (typeof scheduleModes)[number];
export const scheduleStatuses = ['active', 'paused'] as const;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const TimeZone = text()
  .min(1)
  .max(100)
  .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris');

/** A calendar rule: `time` is local wall-clock time in `timezone`. */
export const CalendarSchedule = z
  .strictObject({
    frequency: z.enum(scheduleFrequencies),
    /** Weekly: the day of the week. */
    weekday: z.enum(weekdays).optional(),
    /** Monthly: 1–31 or 'last'. A day a month lacks (31 in April) runs on that month's last day. */
    dayOfMonth: z.union([z.number().int().min(1).max(31), z.literal('last')]).optional(),
    time: text().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 24-hour (09:30)'),
    timezone: TimeZone,
  })
  .superRefine((rule, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (rule.frequency === 'weekly' && !rule.weekday) problem('weekday', 'a weekly schedule needs a weekday');
    if (rule.frequency !== 'weekly' && rule.weekday)
      problem('weekday', `only weekly schedules take a weekday`);
    if (rule.frequency === 'monthly' && rule.dayOfMonth === undefined)
      problem('dayOfMonth', 'a monthly schedule needs a dayOfMonth (1–31 or "last")');
    if (rule.frequency !== 'monthly' && rule.dayOfMonth !== undefined)
      problem('dayOfMonth', 'only monthly schedules take a dayOfMonth');
  });
export type CalendarSchedule = z.infer<typeof CalendarSchedule>;

/** Five fields (minute hour day-of-month month day-of-week), in `timezone`; checked by the server. */
export const CronSchedule = z.strictObject({
  cron: text().trim().min(9).max(200),
  timezone: TimeZone,
});
export type CronSchedule = z.infer<typeof CronSchedule>;

export const ScheduleRule = z.union([CalendarSchedule, CronSchedule]);
export type ScheduleRule = z.infer<typeof ScheduleRule>;

export const ScheduleNotify = z.strictObject({
  /** Email the schedule's owner when a run completes, or fails after its last attempt. */
  email: z.boolean().optional(),
  /** Workspace members (by email) who also get the email of each completed run and may download its file. */
  recipients: z.array(text().trim().toLowerCase().max(320).email()).max(50).optional(),
  /** POSTed `export.completed` / `export.failed` with `schedule_id`, signed as every export webhook. */
  webhookUrl: text().url().max(2000).optional(),
});
export type ScheduleNotify = z.infer<typeof ScheduleNotify>;

/** startExport's input, without what a schedule sets per run itself (its notify, its idempotency key). */
export const ScheduledExportRequest = StartExportInput.omit({ notify: true, idempotencyKey: true });
export type ScheduledExportRequest = z.input<typeof ScheduledExportRequest>;

/** A timestamp with its date and time, years 1970–9999 (what the database stores). */
const isoTimestamp = text()
  .max(40)
  .refine(
    (value) => /^(19[7-9]\d|[2-9]\d{3})-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO-8601 timestamp such as 2026-01-01T00:00:00Z',
  );

export const CreateScheduleInput = z.strictObject({
  name: text().trim().min(1).max(200),
  request: ScheduledExportRequest,
  schedule: ScheduleRule,
  mode: z.enum(scheduleModes).default('all'),
  /** With mode 'changes': where the first run starts (default: everything). */
  changesSince: isoTimestamp.optional(),
  notify: ScheduleNotify.default({ email: true }),
});
export type CreateScheduleInput = z.input<typeof CreateScheduleInput>;

export const UpdateScheduleInput = z.strictObject({
  id: RecordId,
  name: text().trim().min(1).max(200).optional(),
  request: ScheduledExportRequest.optional(),
  schedule: ScheduleRule.optional(),
  mode: z.enum(scheduleModes).optional(),
  /** null: the next changes run starts from the last successful run again (or everything). */
  changesSince: isoTimestamp.nullable().optional(),
  notify: ScheduleNotify.optional(),
});
export type UpdateScheduleInput = z.input<typeof UpdateScheduleInput>;

export const ScheduleIdInput = z.strictObject({ id: RecordId });

export const pauseReasonCodes = [
  'PAUSED_BY_USER',
  'OWNER_REMOVED',
  'OWNER_NOT_ALLOWED',
  'REQUEST_INVALID',
  'TOO_MANY_FAILURES',
] as const;

export const ScheduleLastRun = z.object({
  exportId: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'expired']),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  processedRows: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const ExportSchedule = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  request: ScheduledExportRequest,
  schedule: ScheduleRule,
  /** The rule in words: "Every Monday at 09:00 (Europe/Paris)". */
  description: z.string(),
  mode: z.enum(scheduleModes),
  changesSince: z.string().nullable(),
  notify: ScheduleNotify,
  status: z.enum(scheduleStatuses),
  /** Why the schedule is paused (by a user, or by itself: owner gone, request invalid, failures). */
  pausedReason: z.object({ code: z.enum(pauseReasonCodes), message: z.string(), at: z.string() }).nullable(),
  /** The next run (ISO); null while paused. */
  nextRunAt: z.string().nullable(),
  /** With mode 'changes': the next run exports records created or updated from this instant on. */
  watermark: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  /** The run in progress (its export, and its attempt) or waiting for a retry at `retryAt`. */
  currentRun: z
    .object({ exportId: z.string().nullable(), attempt: z.number().int(), retryAt: z.string().nullable() })
    .nullable(),
  lastRun: ScheduleLastRun.nullable(),
  /** Whether the caller may edit, pause, run or delete it (its owner, or an admin). */
  editable: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ExportSchedule = z.infer<typeof ExportSchedule>;

export const ListSchedulesOutput = z.object({ schedules: z.array(ExportSchedule) });
