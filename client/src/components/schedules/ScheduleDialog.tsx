import { useId, useMemo, useState } from 'react';
import { structuredErrorOf } from '../../../../shared/api-errors';
import { objectSpec } from '../../../../shared/catalog';
import { type ExportFormat, exportFormats, formatLabels } from '../../../../shared/exports';
import { type ExportSchedule, type ScheduledExportRequest, weekdays } from '../../../../shared/schedules';
import { navigate } from '../../navigation';
import { trpc } from '../../trpc';
import { browserTimeZone, timeZones } from '../export-dialog/export-form';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { ErrorDetails } from '../ui/ErrorDetails';
import { formatDateTime } from '../ui/format';
import {
  formOfSchedule,
  initialScheduleForm,
  notifyOf,
  ruleOf,
  type ScheduleFormState,
  type ScheduleKind,
  weekdayLabels,
} from './schedule-form';
import './schedules.css';

export type ScheduleDialogProps =
  | {
      /** A new schedule of the export dialog's request, prefilled with its choices. */
      request: ScheduledExportRequest;
      /** What the records are, in words (the export dialog's scope summary). */
      scopeSummary: string;
      onBack?(): void;
      onClose(): void;
    }
  | { schedule: ExportSchedule; onClose(): void };

const kinds: { value: ScheduleKind; label: string }[] = [
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'cron', label: 'Cron' },
];

/** Creates a schedule from the export dialog's choices, or edits one (its rule, what it sends, where). */
export function ScheduleDialog(props: ScheduleDialogProps) {
  const editing = 'schedule' in props ? props.schedule : undefined;
  const request = editing ? editing.request : 'request' in props ? props.request : undefined;
  const plural = request ? objectSpec(request.object).plural : '';
  const [form, setForm] = useState<ScheduleFormState>(() =>
    editing
      ? formOfSchedule(editing)
      : initialScheduleForm(
          `${plural} (${request ? formatLabels[request.format] : ''})`,
          request?.options?.timezone ?? browserTimeZone(),
        ),
  );
  const patch = (next: Partial<ScheduleFormState>) => setForm((current) => ({ ...current, ...next }));
  // Editing can change the file's format; the records and columns stay as saved.
  const [format, setFormat] = useState<ExportFormat>(request?.format ?? 'csv');
  const utils = trpc.useUtils();
  const [created, setCreated] = useState<ExportSchedule | null>(null);
  const create = trpc.exportSchedules.create.useMutation({
    onSuccess(schedule) {
      setCreated(schedule);
      void utils.exportSchedules.list.invalidate();
    },
  });
  const update = trpc.exportSchedules.update.useMutation({
    onSuccess() {
      void utils.exportSchedules.list.invalidate();
      props.onClose();
    },
  });
  const mutation = editing ? update : create;
  const error = mutation.error
    ? (structuredErrorOf(mutation.error) ?? {
        code: 'INTERNAL_SERVER_ERROR',
        message: mutation.error.message,
      })
    : undefined;
  const zones = useMemo(timeZones, []);
  const ids = {
    name: useId(),
    weekday: useId(),
    day: useId(),
    time: useId(),
    cron: useId(),
    zone: useId(),
    recipients: useId(),
    webhook: useId(),
  };

  function save() {
    const fields = { name: form.name, schedule: ruleOf(form), mode: form.mode, notify: notifyOf(form) };
    if (editing)
      update.mutate({
        id: editing.id,
        ...fields,
        ...(format !== editing.request.format ? { request: { ...editing.request, format } } : {}),
      });
    else if (request) create.mutate({ ...fields, request });
  }

  if (created) {
    return (
      <Dialog
        title="Export scheduled"
        description={created.description}
        onClose={props.onClose}
        footer={
          <>
            <Button variant="ghost" onClick={props.onClose}>
              Close
            </Button>
            <Button
              variant="primary"
              data-autofocus
              onClick={() => {
                props.onClose();
                navigate('/exports?tab=schedules');
              }}
            >
              See schedules
            </Button>
          </>
        }
      >
        <p data-testid="schedule-created">
          “{created.name}” runs next on{' '}
          <time dateTime={created.nextRunAt ?? ''}>
            {created.nextRunAt ? formatDateTime(created.nextRunAt) : '—'}
          </time>{' '}
          (your time). Each run is an ordinary export in the history, with its download.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog
      title={editing ? `Edit “${editing.name}”` : `Schedule an export of ${plural.toLowerCase()}`}
      description={
        editing
          ? editing.description
          : `${'scopeSummary' in props ? props.scopeSummary : ''} · ${request ? formatLabels[request.format] : ''}`
      }
      onClose={props.onClose}
      width={640}
      footer={
        <>
          {'onBack' in props && props.onBack ? (
            <Button variant="ghost" onClick={props.onBack}>
              Back
            </Button>
          ) : (
            <Button variant="ghost" onClick={props.onClose}>
              Cancel
            </Button>
          )}
          <Button variant="primary" busy={mutation.isPending} onClick={save} disabled={!form.name.trim()}>
            {editing ? 'Save schedule' : 'Create schedule'}
          </Button>
        </>
      }
    >
      <div className="export-form schedule-form">
        {error ? <ErrorDetails title="The schedule could not be saved" error={error} /> : null}
        <div className="field">
          <label className="field-label" htmlFor={ids.name}>
            Name
          </label>
          <input
            id={ids.name}
            className="input"
            value={form.name}
            maxLength={200}
            onChange={(event) => patch({ name: event.target.value })}
          />
        </div>

        {editing ? (
          <fieldset className="form-section">
            <legend>Format</legend>
            <div className="choice-grid choice-grid-4">
              {exportFormats.map((candidate) => (
                <label key={candidate} className={`choice-card${format === candidate ? ' is-selected' : ''}`}>
                  <input
                    type="radio"
                    name="schedule-format"
                    value={candidate}
                    checked={format === candidate}
                    onChange={() => setFormat(candidate)}
                  />
                  <span className="choice-title">{formatLabels[candidate]}</span>
                </label>
              ))}
            </div>
          </fieldset>
        ) : null}

        <fieldset className="form-section">
          <legend>When</legend>
          <div className="choice-grid choice-grid-4">
            {kinds.map((kind) => (
              <label
                key={kind.value}
                className={`choice-card${form.kind === kind.value ? ' is-selected' : ''}`}
              >
                <input
                  type="radio"
                  name="schedule-kind"
                  value={kind.value}
                  checked={form.kind === kind.value}
                  onChange={() => patch({ kind: kind.value })}
                />
                <span className="choice-title">{kind.label}</span>
              </label>
            ))}
          </div>
          <div className="schedule-when">
            {form.kind === 'weekly' ? (
              <div className="field">
                <label className="field-label" htmlFor={ids.weekday}>
                  On
                </label>
                <select
                  id={ids.weekday}
                  className="input"
                  value={form.weekday}
                  onChange={(event) => patch({ weekday: event.target.value as ScheduleFormState['weekday'] })}
                >
                  {weekdays.map((day) => (
                    <option key={day} value={day}>
                      {weekdayLabels[day]}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            {form.kind === 'monthly' ? (
              <div className="field">
                <label className="field-label" htmlFor={ids.day}>
                  Day of the month
                </label>
                <select
                  id={ids.day}
                  className="input"
                  value={form.dayOfMonth}
                  onChange={(event) => patch({ dayOfMonth: event.target.value })}
                >
                  {Array.from({ length: 31 }, (_, index) => String(index + 1)).map((day) => (
                    <option key={day} value={day}>
                      {day}
                    </option>
                  ))}
                  <option value="last">Last day</option>
                </select>
              </div>
            ) : null}
            {form.kind === 'cron' ? (
              <div className="field field-grow">
                <label className="field-label" htmlFor={ids.cron}>
                  Cron expression
                </label>
                <input
                  id={ids.cron}
                  className="input mono"
                  value={form.cron}
                  placeholder="0 9 * * 1-5"
                  onChange={(event) => patch({ cron: event.target.value })}
                />
              </div>
            ) : (
              <div className="field">
                <label className="field-label" htmlFor={ids.time}>
                  At
                </label>
                <input
                  id={ids.time}
                  className="input"
                  type="time"
                  value={form.time}
                  onChange={(event) => patch({ time: event.target.value })}
                />
              </div>
            )}
            <div className="field">
              <label className="field-label" htmlFor={ids.zone}>
                Time zone
              </label>
              <select
                id={ids.zone}
                className="input"
                value={form.timezone}
                onChange={(event) => patch({ timezone: event.target.value })}
              >
                {zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <p className="field-hint">
            {form.kind === 'monthly' && Number(form.dayOfMonth) > 28
              ? `Months without a ${form.dayOfMonth}th run on their last day. `
              : ''}
            {form.kind === 'cron'
              ? 'Five fields: minute, hour, day of month, month, day of week.'
              : 'Local time: it stays the same across daylight-saving changes.'}
          </p>
        </fieldset>

        <fieldset className="form-section">
          <legend>What each run exports</legend>
          <div className="choice-grid choice-grid-2">
            <label className={`choice-card${form.mode === 'all' ? ' is-selected' : ''}`}>
              <input
                type="radio"
                name="schedule-mode"
                value="all"
                checked={form.mode === 'all'}
                onChange={() => patch({ mode: 'all' })}
              />
              <span className="choice-title">Everything that matches</span>
              <span className="choice-hint">A full file every time</span>
            </label>
            <label className={`choice-card${form.mode === 'changes' ? ' is-selected' : ''}`}>
              <input
                type="radio"
                name="schedule-mode"
                value="changes"
                checked={form.mode === 'changes'}
                onChange={() => patch({ mode: 'changes' })}
              />
              <span className="choice-title">Only changes</span>
              <span className="choice-hint">Records created or updated since the last successful run</span>
            </label>
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Delivery</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={form.emailMe}
              onChange={(event) => patch({ emailMe: event.target.checked })}
            />
            Email me a link to each run (never the file itself)
          </label>
          <div className="field">
            <label className="field-label" htmlFor={ids.recipients}>
              Also email these workspace members
            </label>
            <input
              id={ids.recipients}
              className="input"
              placeholder="finance@example.com, ops@example.com"
              value={form.recipients}
              onChange={(event) => patch({ recipients: event.target.value })}
            />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={ids.webhook}>
              Webhook URL <span className="subtle">(optional, signed)</span>
            </label>
            <input
              id={ids.webhook}
              className="input"
              type="url"
              placeholder="https://example.com/hooks/crm"
              value={form.webhookUrl}
              onChange={(event) => patch({ webhookUrl: event.target.value })}
            />
          </div>
        </fieldset>
      </div>
    </Dialog>
  );
}
