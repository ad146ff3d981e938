import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { objectSpec } from '../../../../shared/catalog';
import { type ExportSummary, formatLabels, terminalExportStatuses } from '../../../../shared/exports';
import { useSession } from '../../app/session';
import { Link } from '../../navigation';
import { trpc } from '../../trpc';
import { Button } from '../ui/Button';
import { formatNumber } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';
import { useDownloadExport } from './use-download-export';

/**
 * Exports the user started and stopped watching (closed the dialog, clicked "Run again"): the shell keeps
 * polling them, shows their progress, and announces when each ends. Kept in sessionStorage, and on load
 * the user's own queued and running exports are looked up, so a reload (or another tab) keeps following.
 */
interface ExportTracker {
  follow(exportId: string): void;
  /** The export an open dialog is showing: not followed here too while the dialog shows it. */
  setWatched(exportId: string | null): void;
}

const TrackerContext = createContext<ExportTracker>({ follow: () => {}, setWatched: () => {} });
export const useExportTracker = () => useContext(TrackerContext);

const storageKey = 'crm.followedExports';
const pollMs = 1000;

export const isTerminal = (summary: Pick<ExportSummary, 'status'> | undefined) =>
  summary !== undefined && terminalExportStatuses.includes(summary.status);

function readFollowed(): string[] {
  try {
    const parsed: unknown = JSON.parse(window.sessionStorage.getItem(storageKey) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

interface Finished {
  summary: ExportSummary;
}

export function ExportTrackerProvider({ children }: { children: ReactNode }) {
  const [followed, setFollowed] = useState<string[]>(readFollowed);
  const [finished, setFinished] = useState<Finished[]>([]);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => window.sessionStorage.setItem(storageKey, JSON.stringify(followed)), [followed]);

  const follow = useCallback(
    (exportId: string) => setFollowed((ids) => (ids.includes(exportId) ? ids : [...ids, exportId])),
    [],
  );
  const watched = useRef<string | null>(null);
  const setWatched = useCallback((exportId: string | null) => {
    watched.current = exportId;
  }, []);
  const value = useMemo(() => ({ follow, setWatched }), [follow, setWatched]);

  const me = useSession();
  const recent = trpc.listExports.useQuery(
    { limit: 25 },
    { staleTime: Number.POSITIVE_INFINITY, refetchOnMount: false, retry: false },
  );
  const unfinishedKey = (recent.data?.exports ?? [])
    .filter((summary) => summary.requestedBy.id === me.user.id && !isTerminal(summary))
    .map((summary) => summary.id)
    .join(',');
  useEffect(() => {
    for (const id of unfinishedKey.split(',').filter(Boolean)) if (id !== watched.current) follow(id);
  }, [unfinishedKey, follow]);

  const statuses = trpc.useQueries((t) =>
    followed.map((exportId) =>
      t.exportStatus(
        { exportId },
        {
          refetchInterval: (query) => (isTerminal(query.state.data) ? false : pollMs),
          staleTime: 0,
          retry: false,
        },
      ),
    ),
  );

  const running: ExportSummary[] = [];
  const settled: ExportSummary[] = [];
  const gone: string[] = [];
  statuses.forEach((status, index) => {
    if (status.data) (isTerminal(status.data) ? settled : running).push(status.data);
    else if (status.error) gone.push(followed[index] ?? '');
  });
  const settledKey = settled.map((summary) => summary.id).join(',');
  const goneKey = gone.join(',');

  const settledRef = useRef(settled);
  settledRef.current = settled;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the set of ended exports changes, read through the ref
  useEffect(() => {
    const done = settledRef.current;
    if (!done.length && !goneKey) return;
    const ids = new Set([...done.map((summary) => summary.id), ...goneKey.split(',').filter(Boolean)]);
    setFollowed((current) => current.filter((id) => !ids.has(id)));
    if (done.length) {
      setFinished((current) => [...current, ...done.map((summary) => ({ summary }))]);
      setAnnouncement(done.map(announce).join(' '));
    }
  }, [settledKey, goneKey]);

  return (
    <TrackerContext.Provider value={value}>
      {children}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="export-announcer">
        {announcement}
      </div>
      <RunningExports running={running} />
      <FinishedToasts
        finished={finished}
        onDismiss={(id) => setFinished((current) => current.filter((item) => item.summary.id !== id))}
      />
    </TrackerContext.Provider>
  );
}

function exportName(summary: ExportSummary): string {
  return `${objectSpec(summary.object).plural} export (${formatLabels[summary.format]})`;
}

function announce(summary: ExportSummary): string {
  switch (summary.status) {
    case 'completed':
      return `${exportName(summary)} is ready: ${formatNumber(summary.processedRows)} rows.`;
    case 'failed':
      return `${exportName(summary)} failed: ${summary.error?.message ?? 'unknown error'}.`;
    case 'cancelled':
      return `${exportName(summary)} was cancelled.`;
    default:
      return `${exportName(summary)} ended (${summary.status}).`;
  }
}

function RunningExports({ running }: { running: ExportSummary[] }) {
  if (!running.length) return null;
  return (
    <div className="export-indicator" data-testid="export-indicator">
      {running.map((summary) => (
        <Link key={summary.id} className="export-indicator-item" href="/exports">
          <span className="spinner spinner-inline" aria-hidden="true" />
          <span className="export-indicator-text">
            <strong>{objectSpec(summary.object).plural}</strong> · {formatLabels[summary.format]}
            <span className="subtle numeric">
              {summary.status === 'queued'
                ? summary.waitingForWorker
                  ? ' waiting for a worker'
                  : ' queued'
                : ` ${Math.round(summary.percent)}%`}
            </span>
          </span>
          <ProgressBar
            size="sm"
            value={summary.percent}
            label={`${exportName(summary)} progress`}
            valueText={`${Math.round(summary.percent)}%, ${formatNumber(summary.processedRows)} rows`}
          />
        </Link>
      ))}
    </div>
  );
}

function FinishedToasts({ finished, onDismiss }: { finished: Finished[]; onDismiss(id: string): void }) {
  const { download, pendingId } = useDownloadExport();
  if (!finished.length) return null;
  return (
    <div className="toasts">
      {finished.map(({ summary }) => (
        <div key={summary.id} className={`toast toast-${summary.status}`}>
          <div className="toast-body">
            <strong>
              {summary.status === 'completed'
                ? 'Export ready'
                : summary.status === 'failed'
                  ? 'Export failed'
                  : 'Export cancelled'}
            </strong>
            <span className="muted">
              {summary.status === 'completed'
                ? `${exportName(summary)} · ${formatNumber(summary.processedRows)} rows`
                : summary.status === 'failed'
                  ? (summary.error?.message ?? exportName(summary))
                  : exportName(summary)}
            </span>
          </div>
          {summary.status === 'completed' ? (
            <Button
              size="sm"
              variant="primary"
              busy={pendingId === summary.id}
              onClick={() => void download(summary.id).then(() => onDismiss(summary.id))}
            >
              Download
            </Button>
          ) : null}
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => onDismiss(summary.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
