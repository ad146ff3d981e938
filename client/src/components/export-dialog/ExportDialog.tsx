import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { structuredErrorOf } from '../../../../shared/api-errors';
import { type ObjectSlug, objectSpec } from '../../../../shared/catalog';
import { datePresetLabels, datePresets } from '../../../../shared/date-presets';
import {
  type ExportFormat,
  type ExportSummary,
  exportFormats,
  formatLabels,
} from '../../../../shared/exports';
import { describeFilter, validateFilter } from '../../../../shared/filters';
import type { FilterInput, SortInput } from '../../../../shared/records';
import type { SavedView } from '../../../../shared/views';
import { trpc } from '../../trpc';
import { isTerminal, useExportTracker } from '../export-tracker/ExportTracker';
import { useDownloadExport } from '../export-tracker/use-download-export';
import { ScheduleDialog } from '../schedules/ScheduleDialog';
import { scheduledRequestOf } from '../schedules/schedule-form';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { ErrorDetails } from '../ui/ErrorDetails';
import { formatNumber } from '../ui/format';
import { ColumnPicker } from './ColumnPicker';
import { ExportProgress } from './ExportProgress';
import {
  browserTimeZone,
  type ExportForm,
  type ExportScope,
  estimateInput,
  exportColumnChoices,
  type RowSelection,
  startInput,
  timeAttributes,
  timeZones,
} from './export-form';

export interface ExportDialogProps {
  object: ObjectSlug;
  /** The page's current filter and sort: what "Current filters" exports. */
  filter: FilterInput | undefined;
  sort: SortInput[number];
  /** The page's visible columns: the default choice. */
  columns: readonly string[];
  views: readonly SavedView[];
  /** The saved view the page shows, unmodified: the default scope. */
  viewId: string | null;
  /** Rows selected on the page: then "Selected rows (N)" is offered, and chosen first. */
  selection?: RowSelection | null;
  onClose(): void;
}

function formatHint(format: ExportFormat, pdfRowCap: number | undefined): string {
  switch (format) {
    case 'csv':
      return 'Any spreadsheet or tool';
    case 'xlsx':
      return 'Excel, Numbers, Sheets';
    case 'json':
      return 'Developers and APIs';
    case 'pdf':
      return pdfRowCap === undefined ? 'Printable' : `Printable, up to ${formatNumber(pdfRowCap)} rows`;
  }
}

function summaryOf(object: ObjectSlug, filter: FilterInput | undefined): string {
  if (!filter || Object.keys(filter).length === 0) return `All ${objectSpec(object).plural.toLowerCase()}`;
  const validation = validateFilter(object, filter);
  return validation.ok ? describeFilter(validation.filter) : 'A filter with a problem';
}

/**
 * The export dialog, the same on every record page: choose (scope, format, columns, dates, options),
 * start, follow the progress (polling exportStatus every second until a terminal state), download.
 */
export function ExportDialog(props: ExportDialogProps) {
  const { object, filter, sort, views, onClose } = props;
  const selection = props.selection?.count ? props.selection : null;
  const spec = objectSpec(object);
  const tracker = useExportTracker();
  const utils = trpc.useUtils();
  const [exportId, setExportId] = useState<string | null>(null);
  const [form, setForm] = useState<ExportForm>(() => {
    const view = views.find((candidate) => candidate.id === props.viewId);
    return {
      scope: selection ? 'selected' : props.viewId ? 'view' : 'current',
      viewId: props.viewId ?? views[0]?.id ?? null,
      format: 'csv',
      columns: exportColumnChoices(object, view?.columns.length ? view.columns : props.columns),
      dateAttribute: spec.dateAttribute,
      dateFrom: '',
      dateTo: '',
      datePreset: '',
      includeBom: true,
      values: 'labels',
      timezone: browserTimeZone(),
      emailMe: false,
    };
  });
  const patch = (next: Partial<ExportForm>) => setForm((current) => ({ ...current, ...next }));
  // "Schedule…": the same choices, saved as a schedule instead of started once.
  const [scheduling, setScheduling] = useState(false);

  const estimate = trpc[object].count.useQuery(estimateInput(form, { filter }), {
    enabled: exportId === null && (form.scope !== 'view' || form.viewId !== null),
    placeholderData: (previous) => previous,
  });
  const start = trpc.startExport.useMutation({
    onSuccess(summary) {
      utils.exportStatus.setData({ exportId: summary.id }, summary);
      void utils.listExports.invalidate();
      setExportId(summary.id);
    },
  });
  const cancel = trpc.cancelExport.useMutation({
    onSuccess(summary) {
      utils.exportStatus.setData({ exportId: summary.id }, summary);
      void utils.listExports.invalidate();
    },
  });
  const status = trpc.exportStatus.useQuery(
    { exportId: exportId ?? '' },
    {
      enabled: exportId !== null,
      refetchInterval: (query) => (isTerminal(query.state.data) ? false : 1000),
      staleTime: 0,
    },
  );
  const summary: ExportSummary | undefined = exportId ? status.data : undefined;
  const { download, pendingId, error: downloadError } = useDownloadExport();

  // Closing the dialog does not stop the export: the shell's indicator follows it from here.
  const running = summary !== undefined && !isTerminal(summary);
  const runningRef = useRef<string | null>(null);
  runningRef.current = running && summary ? summary.id : null;
  useEffect(
    () => () => {
      if (runningRef.current) tracker.follow(runningRef.current);
    },
    [tracker],
  );
  useEffect(() => {
    tracker.setWatched(exportId);
    return () => tracker.setWatched(null);
  }, [exportId, tracker]);
  useEffect(() => {
    if (summary?.status === 'completed') void utils.listExports.invalidate();
  }, [summary?.status, utils]);

  const chosenColumns = form.columns.filter((column) => column.checked);
  const estimatedRows = form.scope === 'selected' && selection ? selection.count : estimate.data?.total;
  // The cap as the server is configured; the server refuses larger PDFs whatever the dialog says.
  const pdfRowCap = trpc.exportSettings.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY }).data
    ?.pdfRowCap;
  const overPdfCap =
    form.format === 'pdf' &&
    estimatedRows !== undefined &&
    pdfRowCap !== undefined &&
    estimatedRows > pdfRowCap;
  const startError = structuredErrorOf(start.error);
  const viewOptions = views;

  const scopeSummary =
    form.scope === 'selected' && selection
      ? `${formatNumber(selection.count)} selected ${selection.count === 1 ? spec.singular.toLowerCase() : spec.plural.toLowerCase()}, in this page's order`
      : form.scope === 'view'
        ? summaryOf(object, views.find((view) => view.id === form.viewId)?.filter)
        : form.scope === 'current'
          ? summaryOf(object, filter)
          : `All ${spec.plural.toLowerCase()}`;

  const phase: 'choosing' | 'running' | 'done' | 'failed' | 'cancelled' = !summary
    ? 'choosing'
    : summary.status === 'completed'
      ? 'done'
      : summary.status === 'failed'
        ? 'failed'
        : summary.status === 'cancelled' || summary.status === 'expired'
          ? 'cancelled'
          : 'running';

  // Keyboard users follow the export: focus goes to the progress when it starts (the Start button is
  // gone), to Download when the file is ready, and to the result when it fails or is cancelled.
  const statusArea = useRef<HTMLElement>(null);
  const downloadButton = useRef<HTMLButtonElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const processedRows = useRef(0);
  processedRows.current = summary?.processedRows ?? 0;
  useEffect(() => {
    if (phase === 'choosing') return;
    if (phase === 'running') {
      statusArea.current?.focus();
      setAnnouncement('Export started. Progress is shown here; you can close the dialog.');
    } else if (phase === 'done') {
      downloadButton.current?.focus();
      setAnnouncement(
        `Your export is ready: ${formatNumber(processedRows.current)} rows. Press Enter to download.`,
      );
    } else {
      statusArea.current?.focus();
      setAnnouncement(phase === 'failed' ? 'The export failed.' : 'The export was cancelled.');
    }
  }, [phase]);

  function submit() {
    start.mutate({
      ...startInput(object, form, { filter, sort, selection }),
      idempotencyKey: crypto.randomUUID(),
    });
  }

  const footer =
    phase === 'choosing' ? (
      <>
        <span className="footer-note numeric" data-testid="export-estimate" aria-live="polite">
          {estimate.isFetching && estimatedRows === undefined
            ? 'Estimating rows…'
            : estimatedRows !== undefined
              ? `About ${formatNumber(estimatedRows)} ${estimatedRows === 1 ? 'row' : 'rows'}`
              : estimate.error
                ? (structuredErrorOf(estimate.error)?.message ?? 'Could not estimate rows')
                : ''}
        </span>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <Button
          onClick={() => setScheduling(true)}
          disabled={chosenColumns.length === 0 || (form.scope === 'view' && !form.viewId)}
        >
          Schedule…
        </Button>
        <Button
          variant="primary"
          onClick={submit}
          busy={start.isPending}
          disabled={chosenColumns.length === 0 || (form.scope === 'view' && !form.viewId)}
        >
          Start export
        </Button>
      </>
    ) : phase === 'running' ? (
      <>
        <Button variant="ghost" onClick={onClose}>
          Close — keep running
        </Button>
        <Button
          variant="danger"
          busy={cancel.isPending}
          onClick={() => summary && cancel.mutate({ exportId: summary.id })}
        >
          Cancel export
        </Button>
      </>
    ) : phase === 'done' ? (
      <>
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
        <Button
          ref={downloadButton}
          variant="primary"
          data-autofocus
          busy={pendingId !== null}
          onClick={() => summary && void download(summary.id).catch(() => {})}
        >
          Download {summary?.fileName?.split('.').pop()?.toUpperCase() ?? ''}
        </Button>
      </>
    ) : (
      <>
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
        <Button
          variant="primary"
          onClick={() => {
            setExportId(null);
            start.reset();
          }}
        >
          Back to settings
        </Button>
      </>
    );

  if (scheduling)
    return (
      <ScheduleDialog
        request={scheduledRequestOf(startInput(object, form, { filter, sort, selection }))}
        scopeSummary={scopeSummary}
        onBack={() => setScheduling(false)}
        onClose={onClose}
      />
    );

  return (
    <Dialog
      title={`Export ${spec.plural.toLowerCase()}`}
      description={phase === 'choosing' ? 'Choose what to export and in which format.' : scopeSummary}
      onClose={onClose}
      footer={footer}
      width={720}
    >
      <div className="export-dialog" data-phase={phase}>
        <div className="visually-hidden" aria-live="polite" data-testid="export-dialog-announcer">
          {announcement}
        </div>
        {summary ? (
          <>
            <section
              ref={statusArea}
              className="export-status-area"
              tabIndex={-1}
              aria-label="Export progress"
              data-testid="export-status-area"
            >
              <ExportProgress summary={summary} />
            </section>
            {downloadError ? (
              <ErrorDetails
                withReference
                error={
                  structuredErrorOf(downloadError) ?? {
                    code: 'INTERNAL_SERVER_ERROR',
                    message: downloadError.message,
                  }
                }
              />
            ) : null}
            {cancel.error ? (
              <ErrorDetails
                error={
                  structuredErrorOf(cancel.error) ?? {
                    code: 'INTERNAL_SERVER_ERROR',
                    message: cancel.error.message,
                  }
                }
              />
            ) : null}
          </>
        ) : (
          <ExportChoices
            object={object}
            form={form}
            patch={patch}
            views={viewOptions}
            scopeSummary={scopeSummary}
            overPdfCap={overPdfCap}
            pdfRowCap={pdfRowCap}
            estimatedRows={estimatedRows}
            selection={selection}
            pageColumns={props.columns}
            startError={
              startError ??
              (start.error ? { code: 'INTERNAL_SERVER_ERROR', message: start.error.message } : undefined)
            }
          />
        )}
      </div>
    </Dialog>
  );
}

function ExportChoices({
  object,
  form,
  patch,
  views,
  scopeSummary,
  overPdfCap,
  pdfRowCap,
  estimatedRows,
  pageColumns,
  startError,
  selection,
}: {
  selection: RowSelection | null;
  object: ObjectSlug;
  form: ExportForm;
  patch(next: Partial<ExportForm>): void;
  views: readonly SavedView[];
  scopeSummary: string;
  overPdfCap: boolean;
  pdfRowCap: number | undefined;
  estimatedRows: number | undefined;
  pageColumns: readonly string[];
  startError:
    | { code: string; message: string; details?: Record<string, unknown>; request_id?: string }
    | undefined;
}) {
  const spec = objectSpec(object);
  const zones = useMemo(timeZones, []);
  const viewSelectId = useId();
  const scopes: { value: ExportScope; label: string; hint: string; disabled?: boolean }[] = [
    ...(selection
      ? [
          {
            value: 'selected' as const,
            label: `Selected rows (${formatNumber(selection.count)})`,
            hint: selection.ids ? 'Just those, in the page’s sort' : 'All that match the filters',
          },
        ]
      : []),
    { value: 'current', label: 'Current filters', hint: 'What this page shows' },
    {
      value: 'view',
      label: 'A saved view',
      hint: views.length ? 'Its filter, sort and columns' : 'No saved views yet',
      disabled: views.length === 0,
    },
    { value: 'all', label: `All ${spec.plural.toLowerCase()}`, hint: 'Ignore the filters' },
  ];

  return (
    <div className="export-form">
      {startError ? (
        <ErrorDetails title="The export could not start" error={startError} withReference />
      ) : null}

      <fieldset className="form-section">
        <legend>Records</legend>
        <div className={`choice-grid choice-grid-${scopes.length === 4 ? 4 : 3}`}>
          {scopes.map((scope) => (
            <label
              key={scope.value}
              className={`choice-card${form.scope === scope.value ? ' is-selected' : ''}${scope.disabled ? ' is-disabled' : ''}`}
            >
              <input
                type="radio"
                name="export-scope"
                value={scope.value}
                checked={form.scope === scope.value}
                disabled={scope.disabled}
                onChange={() => {
                  const view = views.find((candidate) => candidate.id === form.viewId) ?? views[0];
                  patch({
                    scope: scope.value,
                    ...(scope.value === 'view' && view
                      ? {
                          viewId: view.id,
                          columns: exportColumnChoices(
                            object,
                            view.columns.length ? view.columns : pageColumns,
                          ),
                        }
                      : {}),
                  });
                }}
              />
              <span className="choice-title">{scope.label}</span>
              <span className="choice-hint">{scope.hint}</span>
            </label>
          ))}
        </div>
        {form.scope === 'view' && views.length ? (
          <div className="field field-inline">
            <label htmlFor={viewSelectId} className="field-label">
              View
            </label>
            <select
              id={viewSelectId}
              className="input"
              value={form.viewId ?? ''}
              onChange={(event) => {
                const view = views.find((candidate) => candidate.id === event.target.value);
                patch({
                  viewId: event.target.value,
                  ...(view?.columns.length ? { columns: exportColumnChoices(object, view.columns) } : {}),
                });
              }}
            >
              {views.map((view) => (
                <option key={view.id} value={view.id}>
                  {view.name}
                  {view.shared ? ' (shared)' : ''}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <p className="scope-summary" data-testid="export-scope-summary">
          {scopeSummary}
        </p>
      </fieldset>

      <fieldset className="form-section">
        <legend>Format</legend>
        <div className="choice-grid choice-grid-4">
          {exportFormats.map((format) => (
            <label key={format} className={`choice-card${form.format === format ? ' is-selected' : ''}`}>
              <input
                type="radio"
                name="export-format"
                value={format}
                checked={form.format === format}
                onChange={() => patch({ format })}
              />
              <span className="choice-title">{formatLabels[format]}</span>
              <span className="choice-hint">{formatHint(format, pdfRowCap)}</span>
            </label>
          ))}
        </div>
        {overPdfCap ? (
          <p className="callout callout-warning">
            PDF exports are limited to {formatNumber(pdfRowCap ?? 0)} rows and this one has about{' '}
            {formatNumber(estimatedRows ?? 0)}. Narrow the filters or choose CSV or Excel.
          </p>
        ) : null}
      </fieldset>

      <ColumnPicker
        columns={form.columns}
        onChange={(columns) => patch({ columns })}
        onReset={() => patch({ columns: exportColumnChoices(object, pageColumns) })}
      />

      <fieldset className="form-section">
        <legend>Date range</legend>
        <div className="date-range-row">
          <label className="field">
            <span className="field-label">On</span>
            <select
              className="input"
              value={form.dateAttribute}
              onChange={(event) => patch({ dateAttribute: event.target.value })}
            >
              {timeAttributes(object).map((attribute) => (
                <option key={attribute.slug} value={attribute.slug}>
                  {attribute.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Period</span>
            <select
              className="input"
              value={form.datePreset}
              onChange={(event) => {
                const preset = datePresets.find((candidate) => candidate === event.target.value);
                patch({ datePreset: preset ?? '', ...(preset ? { dateFrom: '', dateTo: '' } : {}) });
              }}
            >
              <option value="">Dates…</option>
              {datePresets.map((preset) => (
                <option key={preset} value={preset}>
                  {datePresetLabels[preset]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">From</span>
            <input
              type="date"
              className="input"
              value={form.dateFrom}
              disabled={form.datePreset !== ''}
              max={form.dateTo || undefined}
              onChange={(event) => patch({ dateFrom: event.target.value })}
            />
          </label>
          <label className="field">
            <span className="field-label">To</span>
            <input
              type="date"
              className="input"
              value={form.dateTo}
              disabled={form.datePreset !== ''}
              min={form.dateFrom || undefined}
              onChange={(event) => patch({ dateTo: event.target.value })}
            />
          </label>
        </div>
        <p className="field-hint">
          {form.datePreset
            ? 'Kept relative: the days it means when the export runs (or each scheduled run), in its time zone.'
            : form.dateFrom || form.dateTo
              ? 'Combined with the records chosen above.'
              : 'Any time. Set a range to narrow the records above.'}
        </p>
      </fieldset>

      <fieldset className="form-section">
        <legend>Options</legend>
        <div className="options-grid">
          <label className="check">
            <input
              type="checkbox"
              checked={form.includeBom}
              disabled={form.format !== 'csv'}
              onChange={(event) => patch({ includeBom: event.target.checked })}
            />
            <span>
              Excel-friendly CSV{' '}
              <span className="subtle">
                (keeps accents; dates as 2026-11-19 23:19:07, which Excel reads as dates)
              </span>
            </span>
          </label>
          <label className="field field-inline">
            <span className="field-label">Values</span>
            <select
              className="input"
              value={form.values}
              onChange={(event) => patch({ values: event.target.value === 'raw' ? 'raw' : 'labels' })}
            >
              <option value="labels">As shown in the app (Lead)</option>
              <option value="raw">Raw, for programs (lead)</option>
            </select>
          </label>
          <label className="field field-inline">
            <span className="field-label">Time zone</span>
            <select
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
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={form.emailMe}
              onChange={(event) => patch({ emailMe: event.target.checked })}
            />
            Email me when it is ready
          </label>
        </div>
      </fieldset>
    </div>
  );
}
