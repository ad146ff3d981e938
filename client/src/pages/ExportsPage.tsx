import { useEffect, useId, useState } from 'react';
import { structuredErrorOf } from '../../../shared/api-errors';
import { type ObjectSlug, objectSlugs, objectSpec } from '../../../shared/catalog';
import { datePresetLabels } from '../../../shared/date-presets';
import {
  type ExportFormat,
  type ExportStatus,
  type ExportSummary,
  exportFormats,
  exportStatuses,
  formatLabels,
  type StartExportInput,
} from '../../../shared/exports';
import { describeFilter, validateFilter } from '../../../shared/filters';
import type { SavedView } from '../../../shared/views';
import { useDocumentTitle } from '../app/document-title';
import { hasRole, useSession } from '../app/session';
import { exportRequestId } from '../components/export-dialog/ExportProgress';
import { isTerminal, useExportTracker } from '../components/export-tracker/ExportTracker';
import { useDownloadExport } from '../components/export-tracker/use-download-export';
import { ExportsTabs, useExportsTab } from '../components/schedules/ExportsTabs';
import { SchedulesPanel } from '../components/schedules/SchedulesPanel';
import { Button } from '../components/ui/Button';
import { ErrorDetails, ErrorReference } from '../components/ui/ErrorDetails';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../components/ui/format';
import { ProgressBar } from '../components/ui/ProgressBar';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { Link, navigate, useLocation } from '../navigation';
import { trpc } from '../trpc';

const statusLabels: Record<ExportSummary['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

function filterSummary(request: StartExportInput, views: readonly SavedView[]): string {
  const parts: string[] = [];
  if (request.viewId) {
    const view = views.find((candidate) => candidate.id === request.viewId);
    parts.push(view ? `View “${view.name}”` : 'A saved view');
  }
  if (request.filter && Object.keys(request.filter).length) {
    const validation = validateFilter(request.object, request.filter);
    parts.push(validation.ok ? describeFilter(validation.filter) : 'Custom filter');
  }
  if (request.dateRange) {
    const label =
      objectSpec(request.object).attributes.find(
        (attribute) => attribute.slug === request.dateRange?.attribute,
      )?.label ?? request.dateRange.attribute;
    const day = (iso: string | undefined) => (iso ? formatDateTime(iso) : '…');
    const preset = request.dateRange.preset;
    parts.push(
      preset
        ? `${label}: ${datePresetLabels[preset].toLowerCase()}`
        : `${label} ${day(request.dateRange.from)} → ${day(request.dateRange.to)}`,
    );
  }
  if (request.ids?.length) parts.push(`${formatNumber(request.ids.length)} selected`);
  return parts.length ? parts.join(' · ') : `All ${objectSpec(request.object).plural.toLowerCase()}`;
}

interface HistoryFilters {
  object?: ObjectSlug;
  format?: ExportFormat;
  status?: ExportStatus;
  requestedBy?: string;
}

const pick = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((candidate) => candidate === value);

/** The history's filters live in the URL, so a reload or a shared link shows the same list. */
function useHistoryFilters(): [HistoryFilters, (next: HistoryFilters) => void] {
  const { search, pathname } = useLocation();
  const filters: HistoryFilters = {
    object: pick(objectSlugs, search.get('object')),
    format: pick(exportFormats, search.get('format')),
    status: pick(exportStatuses, search.get('status')),
    requestedBy: search.get('by')?.trim() || undefined,
  };
  const set = (next: HistoryFilters) => {
    const params = new URLSearchParams();
    if (next.object) params.set('object', next.object);
    if (next.format) params.set('format', next.format);
    if (next.status) params.set('status', next.status);
    if (next.requestedBy) params.set('by', next.requestedBy);
    const query = params.toString();
    navigate(`${pathname}${query ? `?${query}` : ''}`, { replace: true });
  };
  return [filters, set];
}

/** The export history: the user's exports (an admin's: the workspace's), newest first, filterable. */
export function ExportsPage() {
  const me = useSession();
  useDocumentTitle('Exports');
  const utils = trpc.useUtils();
  const tracker = useExportTracker();
  const isAdmin = me.user.role === 'admin';
  const [filters, setFilters] = useHistoryFilters();
  const [tab, setTab] = useExportsTab();
  const filtered = Boolean(filters.object || filters.format || filters.status || filters.requestedBy);
  const views = trpc.views.list.useQuery({});
  const history = trpc.listExports.useInfiniteQuery(
    { limit: 25, ...filters },
    {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: (query) =>
        query.state.data?.pages.some((page) => page.exports.some((summary) => !isTerminal(summary)))
          ? 1500
          : false,
      staleTime: 0,
      placeholderData: (previous) => previous,
    },
  );
  const cancel = trpc.cancelExport.useMutation({ onSuccess: () => utils.listExports.invalidate() });
  const rerun = trpc.startExport.useMutation({
    onSuccess(summary) {
      tracker.follow(summary.id);
      void utils.listExports.invalidate();
    },
  });
  const { download, pendingId, error: downloadError } = useDownloadExport();
  const actionError = structuredErrorOf(downloadError ?? cancel.error ?? rerun.error);
  const exports = history.data?.pages.flatMap((page) => page.exports) ?? [];
  const canExport = hasRole(me, 'member');

  return (
    <div className="page">
      <header className="page-header">
        <div className="page-title">
          <h1>Exports</h1>
          <span className="muted">
            {isAdmin ? `Everyone's exports in ${me.workspace.name}` : 'Your exports'}
          </span>
        </div>
      </header>
      <ExportsTabs tab={tab} onChange={setTab} />
      {tab === 'schedules' ? (
        <SchedulesPanel onShowHistory={() => setTab('history')} />
      ) : (
        <>
          <HistoryFilterBar filters={filters} onChange={setFilters} showRequester={isAdmin} />
          {actionError ? <ErrorDetails error={actionError} withReference /> : null}
          <section className="panel table-panel" aria-label="Export history" aria-busy={history.isFetching}>
            {history.isPending ? (
              <LoadingState label="Loading exports…" />
            ) : history.error ? (
              <ErrorState error={history.error} onRetry={() => void history.refetch()} />
            ) : exports.length === 0 ? (
              filtered ? (
                <EmptyState
                  title="No exports match"
                  action={
                    <Button size="sm" onClick={() => setFilters({})}>
                      Clear filters
                    </Button>
                  }
                >
                  No export in the history matches these filters.
                </EmptyState>
              ) : (
                <EmptyState
                  title="No exports yet"
                  action={canExport ? <Link href="/people">Go to People</Link> : null}
                  icon={
                    <svg width="24" height="24" viewBox="0 0 16 16" fill="none" aria-hidden="true">
                      <path
                        d="M8 2v8m0 0l-3-3m3 3l3-3M2.5 11v2.5h11V11"
                        stroke="currentColor"
                        strokeWidth="1.4"
                        strokeLinecap="round"
                      />
                    </svg>
                  }
                >
                  {canExport
                    ? 'Exports you start from a record page appear here, with their progress and downloads.'
                    : 'Viewers can browse records but not export them. Exports a workspace admin shares with you by email open from their link.'}
                </EmptyState>
              )
            ) : (
              <div className="table-scroll">
                <table className="data-table exports-table">
                  <caption className="visually-hidden">Export history</caption>
                  <thead>
                    <tr>
                      <th scope="col">Export</th>
                      <th scope="col">Records</th>
                      <th scope="col" className="col-number">
                        Rows
                      </th>
                      <th scope="col" className="col-number">
                        Size
                      </th>
                      <th scope="col">Status</th>
                      {isAdmin ? <th scope="col">Requested by</th> : null}
                      <th scope="col">Created</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {exports.map((summary) => (
                      <tr key={summary.id} data-export-id={summary.id}>
                        <td data-label="Export">
                          <div className="export-name">
                            <span className={`format-badge format-${summary.format}`}>
                              {summary.format.toUpperCase()}
                            </span>
                            <div>
                              <div>{objectSpec(summary.object).plural}</div>
                              <div className="subtle">{summary.fileName ?? formatLabels[summary.format]}</div>
                            </div>
                          </div>
                        </td>
                        <td className="filter-cell" data-label="Records">
                          {filterSummary(summary.request, views.data ?? [])}
                          {summary.scheduleId ? (
                            <div className="subtle" data-testid="scheduled-run">
                              Scheduled run
                            </div>
                          ) : null}
                        </td>
                        <td className="col-number numeric" data-label="Rows">
                          {summary.totalRows === null
                            ? formatNumber(summary.processedRows)
                            : summary.status === 'completed'
                              ? formatNumber(summary.processedRows)
                              : `${formatNumber(summary.processedRows)} / ${formatNumber(summary.totalRows)}`}
                        </td>
                        <td className="col-number numeric" data-label="Size">
                          {summary.fileSize !== null ? formatBytes(summary.fileSize) : '—'}
                        </td>
                        <td data-label="Status">
                          <div className="status-cell">
                            <span className={`status status-${summary.status}`}>
                              {statusLabels[summary.status]}
                            </span>
                            {!isTerminal(summary) ? (
                              <ProgressBar
                                size="sm"
                                value={summary.percent}
                                label={`${objectSpec(summary.object).plural} export progress`}
                              />
                            ) : null}
                            {summary.status === 'failed' ? <FailedExport summary={summary} /> : null}
                          </div>
                        </td>
                        {isAdmin ? (
                          <td data-label="Requested by">
                            <div>
                              <div>
                                {summary.requestedBy.id === me.user.id ? 'You' : summary.requestedBy.name}
                              </div>
                              <div className="subtle">{summary.requestedBy.email}</div>
                            </div>
                          </td>
                        ) : null}
                        <td data-label="Created">
                          <div>
                            <time dateTime={summary.createdAt} title={formatDateTime(summary.createdAt)}>
                              {formatRelative(summary.createdAt)}
                            </time>
                            {summary.expiresAt && summary.status === 'completed' ? (
                              <div className="subtle">
                                expires{' '}
                                <time dateTime={summary.expiresAt} title={formatDateTime(summary.expiresAt)}>
                                  {formatRelative(summary.expiresAt)}
                                </time>
                              </div>
                            ) : null}
                          </div>
                        </td>
                        <td className="actions-cell">
                          <div className="row-actions">
                            {summary.status === 'completed' ? (
                              <Button
                                size="sm"
                                busy={pendingId === summary.id}
                                onClick={() => void download(summary.id).catch(() => {})}
                              >
                                <svg
                                  width="12"
                                  height="12"
                                  viewBox="0 0 16 16"
                                  fill="none"
                                  aria-hidden="true"
                                >
                                  <path
                                    d="M8 2v8m0 0l-3-3m3 3l3-3M2.5 11v2.5h11V11"
                                    stroke="currentColor"
                                    strokeWidth="1.6"
                                    strokeLinecap="round"
                                    strokeLinejoin="round"
                                  />
                                </svg>
                                Download
                                <span className="visually-hidden">
                                  {' '}
                                  {summary.fileName ?? `${objectSpec(summary.object).plural} export`}
                                </span>
                              </Button>
                            ) : null}
                            {!isTerminal(summary) && canExport ? (
                              <Button
                                size="sm"
                                variant="danger"
                                busy={cancel.isPending && cancel.variables?.exportId === summary.id}
                                onClick={() => cancel.mutate({ exportId: summary.id })}
                              >
                                Cancel
                              </Button>
                            ) : null}
                            {isTerminal(summary) && canExport ? (
                              <Button
                                size="sm"
                                variant="ghost"
                                busy={rerun.isPending && rerun.variables?.object === summary.object}
                                onClick={() => {
                                  const { idempotencyKey: _previous, ...request } = summary.request;
                                  rerun.mutate({ ...request, idempotencyKey: crypto.randomUUID() });
                                }}
                              >
                                Run again
                              </Button>
                            ) : null}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {history.hasNextPage ? (
                  <footer className="table-footer">
                    <span />
                    <Button
                      size="sm"
                      busy={history.isFetchingNextPage}
                      onClick={() => void history.fetchNextPage()}
                    >
                      Load more
                    </Button>
                  </footer>
                ) : null}
              </div>
            )}
          </section>
        </>
      )}
    </div>
  );
}

/** A failed export's code and message, its request id and "Copy details", right in its row. */
function FailedExport({ summary }: { summary: ExportSummary }) {
  const error = summary.error ?? {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'The export stopped unexpectedly.',
  };
  return (
    <div className="failed-export">
      <span className="subtle">
        <code>{error.code}</code> {error.message}
      </span>
      <ErrorReference
        error={error}
        requestId={exportRequestId(summary)}
        context={`${objectSpec(summary.object).plural} export ${summary.id} (${formatLabels[summary.format]})`}
      />
    </div>
  );
}

function HistoryFilterBar({
  filters,
  onChange,
  showRequester,
}: {
  filters: HistoryFilters;
  onChange(next: HistoryFilters): void;
  showRequester: boolean;
}) {
  const ids = { object: useId(), format: useId(), status: useId(), by: useId() };
  const [by, setBy] = useState(filters.requestedBy ?? '');
  // Typing is sent after a pause, not on every key.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text schedules a new search
  useEffect(() => {
    const trimmed = by.trim();
    if (trimmed === (filters.requestedBy ?? '')) return;
    const timer = setTimeout(() => onChange({ ...filters, requestedBy: trimmed || undefined }), 300);
    return () => clearTimeout(timer);
  }, [by]);
  const active = Boolean(filters.object || filters.format || filters.status || filters.requestedBy);
  return (
    <search className="history-filters" aria-label="Filter exports">
      <div className="field">
        <label className="field-label" htmlFor={ids.object}>
          Object
        </label>
        <select
          id={ids.object}
          className="input"
          value={filters.object ?? ''}
          onChange={(event) => onChange({ ...filters, object: pick(objectSlugs, event.target.value) })}
        >
          <option value="">All objects</option>
          {objectSlugs.map((slug) => (
            <option key={slug} value={slug}>
              {objectSpec(slug).plural}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={ids.format}>
          Format
        </label>
        <select
          id={ids.format}
          className="input"
          value={filters.format ?? ''}
          onChange={(event) => onChange({ ...filters, format: pick(exportFormats, event.target.value) })}
        >
          <option value="">Any format</option>
          {exportFormats.map((format) => (
            <option key={format} value={format}>
              {formatLabels[format]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={ids.status}>
          Status
        </label>
        <select
          id={ids.status}
          className="input"
          value={filters.status ?? ''}
          onChange={(event) => onChange({ ...filters, status: pick(exportStatuses, event.target.value) })}
        >
          <option value="">Any status</option>
          {exportStatuses.map((status) => (
            <option key={status} value={status}>
              {statusLabels[status]}
            </option>
          ))}
        </select>
      </div>
      {showRequester ? (
        <div className="field field-grow">
          <label className="field-label" htmlFor={ids.by}>
            Requested by
          </label>
          <input
            id={ids.by}
            className="input"
            type="search"
            placeholder="Name or email"
            value={by}
            onChange={(event) => setBy(event.target.value)}
          />
        </div>
      ) : null}
      {active ? (
        <Button
          size="sm"
          variant="ghost"
          className="history-clear"
          onClick={() => {
            setBy('');
            onChange({});
          }}
        >
          Clear filters
        </Button>
      ) : null}
    </search>
  );
}
