import { structuredErrorOf } from '../../../shared/api-errors';
import { objectSpec } from '../../../shared/catalog';
import { type ExportSummary, formatLabels, type StartExportInput } from '../../../shared/exports';
import { describeFilter, validateFilter } from '../../../shared/filters';
import type { SavedView } from '../../../shared/views';
import { useDocumentTitle } from '../app/document-title';
import { hasRole, useSession } from '../app/session';
import { isTerminal, useExportTracker } from '../components/export-tracker/ExportTracker';
import { useDownloadExport } from '../components/export-tracker/use-download-export';
import { Button } from '../components/ui/Button';
import { ErrorDetails } from '../components/ui/ErrorDetails';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../components/ui/format';
import { ProgressBar } from '../components/ui/ProgressBar';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { Link } from '../navigation';
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
    parts.push(`${label} ${day(request.dateRange.from)} → ${day(request.dateRange.to)}`);
  }
  return parts.length ? parts.join(' · ') : `All ${objectSpec(request.object).plural.toLowerCase()}`;
}

/** The export history: the user's exports (an admin's: the workspace's), newest first. */
export function ExportsPage() {
  const me = useSession();
  useDocumentTitle('Exports');
  const utils = trpc.useUtils();
  const tracker = useExportTracker();
  const views = trpc.views.list.useQuery({});
  const history = trpc.listExports.useInfiniteQuery(
    { limit: 25 },
    {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: (query) =>
        query.state.data?.pages.some((page) => page.exports.some((summary) => !isTerminal(summary)))
          ? 1500
          : false,
      staleTime: 0,
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
          <span className="subtle">
            {me.user.role === 'admin' ? `Everyone's exports in ${me.workspace.name}` : 'Your exports'}
          </span>
        </div>
      </header>
      {actionError ? <ErrorDetails error={actionError} /> : null}
      <section className="panel table-panel" aria-label="Export history">
        {history.isPending ? (
          <LoadingState label="Loading exports…" />
        ) : history.error ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        ) : exports.length === 0 ? (
          <EmptyState
            title="No exports yet"
            action={<Link href="/people">Go to People</Link>}
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
            Exports you start from a record page appear here, with their progress and downloads.
          </EmptyState>
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
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {exports.map((summary) => (
                  <tr key={summary.id} data-export-id={summary.id}>
                    <td>
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
                    <td className="filter-cell">{filterSummary(summary.request, views.data ?? [])}</td>
                    <td className="col-number numeric">
                      {summary.totalRows === null
                        ? formatNumber(summary.processedRows)
                        : summary.status === 'completed'
                          ? formatNumber(summary.processedRows)
                          : `${formatNumber(summary.processedRows)} / ${formatNumber(summary.totalRows)}`}
                    </td>
                    <td className="col-number numeric">
                      {summary.fileSize !== null ? formatBytes(summary.fileSize) : '—'}
                    </td>
                    <td>
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
                        {summary.status === 'failed' && summary.error ? (
                          <span className="subtle" title={summary.error.message}>
                            <code>{summary.error.code}</code>
                          </span>
                        ) : null}
                      </div>
                    </td>
                    <td>
                      <time dateTime={summary.createdAt} title={formatDateTime(summary.createdAt)}>
                        {formatRelative(summary.createdAt)}
                      </time>
                      {summary.requestedBy.id !== me.user.id ? (
                        <div className="subtle">by {summary.requestedBy.name}</div>
                      ) : null}
                    </td>
                    <td>
                      {summary.expiresAt && summary.status === 'completed' ? (
                        <time dateTime={summary.expiresAt} title={formatDateTime(summary.expiresAt)}>
                          {formatRelative(summary.expiresAt)}
                        </time>
                      ) : (
                        <span className="subtle">—</span>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        {summary.status === 'completed' ? (
                          <Button
                            size="sm"
                            variant="primary"
                            busy={pendingId === summary.id}
                            onClick={() => void download(summary.id).catch(() => {})}
                          >
                            Download
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
    </div>
  );
}
