import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateScheduleInput, type ExportSchedule } from '../../../../shared/schedules';
import { formOfSchedule, initialScheduleForm, notifyOf, ruleOf, scheduledRequestOf } from './schedule-form';

test('the form becomes the rule the server takes, for each kind', () => {
  const form = initialScheduleForm('Weekly', 'Europe/Paris');
  assert.deepEqual(ruleOf({ ...form, kind: 'daily', time: '07:45' }), {
    frequency: 'daily',
    time: '07:45',
    timezone: 'Europe/Paris',
  });
  assert.deepEqual(ruleOf({ ...form, kind: 'weekly', weekday: 'friday' }), {
    frequency: 'weekly',
    time: '09:00',
    timezone: 'Europe/Paris',
    weekday: 'friday',
  });
  assert.deepEqual(ruleOf({ ...form, kind: 'monthly', dayOfMonth: 'last' }), {
    frequency: 'monthly',
    time: '09:00',
    timezone: 'Europe/Paris',
    dayOfMonth: 'last',
  });
  assert.deepEqual(ruleOf({ ...form, kind: 'monthly', dayOfMonth: '31' }), {
    frequency: 'monthly',
    time: '09:00',
    timezone: 'Europe/Paris',
    dayOfMonth: 31,
  });
  assert.deepEqual(ruleOf({ ...form, kind: 'cron', cron: ' 0 6 * * 1-5 ' }), {
    cron: '0 6 * * 1-5',
    timezone: 'Europe/Paris',
  });
});

test('recipients are split on commas, semicolons and spaces; empty fields are left out', () => {
  const form = initialScheduleForm('x', 'UTC');
  assert.deepEqual(
    notifyOf({ ...form, recipients: 'A@acme.test, b@acme.test;  c@acme.test ', webhookUrl: ' ' }),
    {
      email: true,
      recipients: ['a@acme.test', 'b@acme.test', 'c@acme.test'],
    },
  );
  assert.deepEqual(
    notifyOf({ ...form, emailMe: false, recipients: '', webhookUrl: 'https://example.com/h' }),
    {
      email: false,
      webhookUrl: 'https://example.com/h',
    },
  );
});

test('the export dialog’s request is what the create input accepts (its notify and idempotency key dropped)', () => {
  const request = scheduledRequestOf({
    object: 'people',
    format: 'csv',
    filter: { status: 'customer' },
    columns: ['email'],
    notify: { email: true },
    idempotencyKey: 'k',
  });
  const form = initialScheduleForm('People (CSV)', 'UTC');
  const parsed = CreateScheduleInput.safeParse({
    name: form.name,
    request,
    schedule: ruleOf(form),
    mode: form.mode,
    notify: notifyOf(form),
  });
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
});

test('an existing schedule fills the form back', () => {
  const schedule = {
    name: 'Month end',
    schedule: { frequency: 'monthly', dayOfMonth: 'last', time: '18:00', timezone: 'America/New_York' },
    mode: 'changes',
    notify: { email: false, recipients: ['a@acme.test'], webhookUrl: 'https://example.com/h' },
  } as unknown as ExportSchedule;
  const form = formOfSchedule(schedule);
  assert.equal(form.kind, 'monthly');
  assert.equal(form.dayOfMonth, 'last');
  assert.equal(form.mode, 'changes');
  assert.deepEqual(ruleOf(form), schedule.schedule);
  assert.deepEqual(notifyOf(form), schedule.notify);
});
