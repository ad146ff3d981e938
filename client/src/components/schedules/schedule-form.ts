import type { StartExportInput } from '../../../../shared/exports';
import type {
  ExportSchedule,
  ScheduledExportRequest,
  ScheduleMode,
  ScheduleNotify,
  ScheduleRule,
  Weekday,
} from '../../../../shared/schedules';

export type ScheduleKind = 'daily' | 'weekly' | 'monthly' | 'cron';

/** The schedule form's state: strings as the inputs hold them. */
export interface ScheduleFormState {
  name: string;
  kind: ScheduleKind;
  weekday: Weekday;
  /** '1'…'31' or 'last'. */
  dayOfMonth: string;
  time: string;
  cron: string;
  timezone: string;
  mode: ScheduleMode;
  emailMe: boolean;
  /** Workspace members' emails, separated by commas or spaces. */
  recipients: string;
  webhookUrl: string;
}

export function initialScheduleForm(name: string, timezone: string): ScheduleFormState {
  return {
    name,
    kind: 'weekly',
    weekday: 'monday',
    dayOfMonth: '1',
    time: '09:00',
    cron: '0 9 * * 1-5',
    timezone,
    mode: 'all',
    emailMe: true,
    recipients: '',
    webhookUrl: '',
  };
}

export function formOfSchedule(schedule: ExportSchedule): ScheduleFormState {
  const rule = schedule.schedule;
  const base = initialScheduleForm(schedule.name, rule.timezone);
  const notify = {
    emailMe: schedule.notify.email ?? false,
    recipients: (schedule.notify.recipients ?? []).join(', '),
    webhookUrl: schedule.notify.webhookUrl ?? '',
  };
  if ('cron' in rule) return { ...base, ...notify, kind: 'cron', cron: rule.cron, mode: schedule.mode };
  return {
    ...base,
    ...notify,
    kind: rule.frequency,
    weekday: rule.weekday ?? base.weekday,
    dayOfMonth: String(rule.dayOfMonth ?? base.dayOfMonth),
    time: rule.time,
    mode: schedule.mode,
  };
}

export function ruleOf(form: ScheduleFormState): ScheduleRule {
  if (form.kind === 'cron') return { cron: form.cron.trim(), timezone: form.timezone };
  return {
    frequency: form.kind,
    time: form.time,
    timezone: form.timezone,
    ...(form.kind === 'weekly' ? { weekday: form.weekday } : {}),
    ...(form.kind === 'monthly'
      ? { dayOfMonth: form.dayOfMonth === 'last' ? ('last' as const) : Number(form.dayOfMonth) }
      : {}),
  };
}

export function notifyOf(form: ScheduleFormState): ScheduleNotify {
  const recipients = form.recipients
    .split(/[\s,;]+/)
    .map((email) => email.trim().toLowerCase())
    .filter(Boolean);
  return {
    email: form.emailMe,
    ...(recipients.length ? { recipients } : {}),
    ...(form.webhookUrl.trim() ? { webhookUrl: form.webhookUrl.trim() } : {}),
  };
}

/** The export dialog's request as a schedule saves it: a schedule sets its own notify and idempotency keys. */
export function scheduledRequestOf(request: StartExportInput): ScheduledExportRequest {
  const { notify: _notify, idempotencyKey: _key, ...rest } = request;
  return rest;
}

export const weekdayLabels: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};
