import { objectSpec } from '../../../../shared/catalog';
import { type ExportSummary, formatLabels } from '../../../../shared/exports';
import { ErrorDetails } from '../ui/ErrorDetails';
import { formatBytes, formatDateTime, formatDuration, formatNumber } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';

/** The id of the request that started the export (its X-Request-Id), which finds its log lines. */
export function exportRequestId(summary: ExportSummary): string | null {
  return summary.requestId;
}

export function phaseOf(summary: ExportSummary): string {
  switch (summary.status) {
    case 'queued':
      // No worker alive anywhere: say so, rather than a bar that never moves.
      return summary.waitingForWorker ? 'Waiting for a worker' : 'Queued — waiting for a free worker';
    case 'running':
      if (summary.totalRows === null) return 'Counting rows';
      if (summary.processedRows >= summary.totalRows) return 'Finishing the file';
      return 'Writing rows';
    case 'completed':
      return 'Done';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    case 'expired':
      return 'Expired';
  }
}

/** The running, done, failed and cancelled states of one export. */
export function ExportProgress({ summary }: { summary: ExportSummary }) {
  const spec = objectSpec(summary.object);
  const what = `${spec.plural} as ${formatLabels[summary.format]}`;
  const total = summary.totalRows;

  if (summary.status === 'completed') {
    return (
      <div className="export-result export-result-success" data-testid="export-done">
        <div className="result-icon" aria-hidden="true">
          ✓
        </div>
        <div>
          <h3>Your export is ready</h3>
          <p className="muted">
            {formatNumber(summary.processedRows)} {summary.processedRows === 1 ? 'row' : 'rows'} of {what}
            {summary.fileSize !== null ? ` · ${formatBytes(summary.fileSize)}` : ''}
          </p>
          <dl className="meta-list">
            <div>
              <dt>File</dt>
              <dd>
                <code>{summary.fileName}</code>
              </dd>
            </div>
            {summary.expiresAt ? (
              <div>
                <dt>Available until</dt>
                <dd>{formatDateTime(summary.expiresAt)}</dd>
              </div>
            ) : null}
          </dl>
          <ProgressBar value={100} label="Export progress" tone="success" valueText="100%, complete" />
        </div>
      </div>
    );
  }

  if (summary.status === 'failed') {
    return (
      <div className="export-result" data-testid="export-failed">
        <ErrorDetails
          title="The export failed"
          error={
            summary.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'The export stopped unexpectedly.' }
          }
          requestId={exportRequestId(summary)}
          withReference
        />
      </div>
    );
  }

  if (summary.status === 'cancelled' || summary.status === 'expired') {
    return (
      <div className="export-result" data-testid={`export-${summary.status}`}>
        <div className="result-icon result-icon-neutral" aria-hidden="true">
          ■
        </div>
        <div>
          <h3>{summary.status === 'cancelled' ? 'Export cancelled' : 'Export expired'}</h3>
          <p className="muted">
            {summary.status === 'cancelled'
              ? `Stopped after ${formatNumber(summary.processedRows)} rows; no file was kept.`
              : 'Its file was deleted after the retention period.'}
          </p>
        </div>
      </div>
    );
  }

  const percent = Math.round(summary.percent);
  return (
    <div className="export-running" data-testid="export-running">
      <div className="progress-head">
        <span className="phase">
          <span className="spinner spinner-inline" aria-hidden="true" />
          {phaseOf(summary)}
        </span>
        <span className="numeric progress-percent">{percent}%</span>
      </div>
      <ProgressBar
        value={summary.percent}
        label={`Exporting ${what}`}
        valueText={`${percent}%, ${formatNumber(summary.processedRows)} of ${total === null ? 'unknown' : formatNumber(total)} rows`}
      />
      <div className="progress-meta">
        <span className="numeric" data-testid="export-processed">
          {formatNumber(summary.processedRows)} / {total === null ? '…' : formatNumber(total)} rows
        </span>
        <span className="numeric">
          {summary.etaSeconds !== null && summary.status === 'running'
            ? `About ${formatDuration(summary.etaSeconds)} left`
            : summary.status === 'queued'
              ? summary.waitingForWorker
                ? 'No export worker is running; it starts as soon as one is'
                : 'Starts when a worker is free'
              : 'Estimating time left…'}
        </span>
      </div>
      <p className="subtle">
        You can close this dialog: the export keeps running and the sidebar follows it.
      </p>
    </div>
  );
}
