import { useState } from 'react';
import { structuredErrorOf } from '../../../../shared/api-errors';
import { objectSpec } from '../../../../shared/catalog';
import { type ExportSummary, formatLabels } from '../../../../shared/exports';
import { describeFilter, validateFilter } from '../../../../shared/filters';
import type { ExportSchedule } from '../../../../shared/schedules';
import { hasRole, useSession } from '../../app/session';
import { trpc } from '../../trpc';
import { useExportTracker } from '../export-tracker/ExportTracker';
import { Button } from '../ui/Button';
import { ErrorDetails } from '../ui/ErrorDetails';
import { formatDateTime, formatRelative } from '../ui/format';
import { EmptyState, ErrorState, LoadingState } from '../ui/States';
import { ScheduleDialog } from './ScheduleDialog';
import './schedules.css';

const lastRunLabels: Record<ExportSummary['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Succeeded (file expired)',
};

function whatOf(schedule: ExportSchedule): string {
  const { request } = schedule;
  const parts = [objectSpec(request.object).plural];
  if (request.viewId) parts.push('a saved view');
  if (request.filter && Object.keys(request.filter).length) {
    const validation = validateFilter(request.object, request.filter);
    parts.push(validation.ok ? describeFilter(validation.filter) : 'custom filter');
  }
  return parts.join(' · ');
}

/**
 * The Schedules tab of the Exports page: every schedule the user owns (an admin: the workspace's), with
 * what it exports, when it runs next (in the user's time), how its last run went, and its actions.
 */
export function SchedulesPanel({ onShowHistory }: { onShowHistory(): void }) {
  const me = useSession();
  const isAdmin = me.user.role === 'admin';
  const canManage = hasRole(me, 'member');
  const utils = trpc.useUtils();
  const tracker = useExportTracker();
  const list = trpc.exportSchedules.list.useQuery(undefined, {
    refetchInterval: (query) =>
      query.state.data?.schedules.some((schedule) => schedule.currentRun !== null) ? 2000 : false,
  });
  const refresh = () => void utils.exportSchedules.list.invalidate();
  const [started, setStarted] = useState<{ scheduleName: string; exportId: string } | null>(null);
  const runNow = trpc.exportSchedules.runNow.useMutation({
    onSuccess(summary, input) {
      tracker.follow(summary.id);
      const name = list.data?.schedules.find((schedule) => schedule.id === input.id)?.name ?? 'The schedule';
      setStarted({ scheduleName: name, exportId: summary.id });
      refresh();
      void utils.listExports.invalidate();
    },
    onError: refresh,
  });
  const pause = trpc.exportSchedules.pause.useMutation({ onSuccess: refresh });
  const resume = trpc.exportSchedules.resume.useMutation({ onSuccess: refresh });
  const remove = trpc.exportSchedules.delete.useMutation({ onSuccess: refresh });
  const [editing, setEditing] = useState<ExportSchedule | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState<string | null>(null);
  const actionError = [runNow.error, pause.error, resume.error, remove.error].find(Boolean);
  const structured = actionError
    ? (structuredErrorOf(actionError) ?? { code: 'INTERNAL_SERVER_ERROR', message: actionError.message })
    : undefined;
  const schedules = list.data?.schedules ?? [];

  return (
    <>
      {structured ? <ErrorDetails error={structured} withReference /> : null}
      {started ? (
        <div className="callout schedule-started" role="status">
          <span>
            “{started.scheduleName}” is running now.{' '}
            <Button size="sm" variant="ghost" onClick={onShowHistory}>
              See it in History
            </Button>
          </span>
        </div>
      ) : null}
      <section className="panel table-panel" aria-label="Scheduled exports" aria-busy={list.isFetching}>
        {list.isPending ? (
          <LoadingState label="Loading schedules…" />
        ) : list.error ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : schedules.length === 0 ? (
          <EmptyState title="No scheduled exports">
            {canManage
              ? 'Open Export on a record page and choose “Schedule…” to run an export daily, weekly or monthly.'
              : 'Scheduled exports run an export daily, weekly or monthly. Members and admins can create them.'}
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="data-table schedules-table">
              <caption className="visually-hidden">Scheduled exports</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">What</th>
                  <th scope="col">When</th>
                  <th scope="col">Last result</th>
                  {isAdmin ? <th scope="col">Owner</th> : null}
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {schedules.map((schedule) => (
                  <tr key={schedule.id} data-schedule-id={schedule.id}>
                    <td data-label="Name">
                      <div className="schedule-name">{schedule.name}</div>
                      <span
                        className={`format-badge format-${schedule.request.format}`}
                        title={formatLabels[schedule.request.format]}
                      >
                        {schedule.request.format.toUpperCase()}
                      </span>
                    </td>
                    <td className="filter-cell" data-label="What">
                      <div>{whatOf(schedule)}</div>
                      <div className="subtle">
                        {schedule.mode === 'changes'
                          ? `Only changes${schedule.watermark ? ` since ${formatDateTime(schedule.watermark)}` : ''}`
                          : 'Everything that matches'}
                      </div>
                    </td>
                    <td data-label="When">
                      <div>{schedule.description}</div>
                      {schedule.status === 'paused' ? (
                        <div className="schedule-paused" data-testid="schedule-paused">
                          <span className="status status-cancelled">Paused</span>{' '}
                          <span className="subtle">{schedule.pausedReason?.message}</span>
                        </div>
                      ) : schedule.nextRunAt ? (
                        <div className="subtle">
                          Next:{' '}
                          <time dateTime={schedule.nextRunAt} data-testid="schedule-next-run">
                            {formatDateTime(schedule.nextRunAt)}
                          </time>
                        </div>
                      ) : null}
                    </td>
                    <td data-label="Last result">
                      {schedule.currentRun ? (
                        <span className="status status-running">
                          {schedule.currentRun.retryAt
                            ? `Retrying ${formatRelative(schedule.currentRun.retryAt)}`
                            : `Running${schedule.currentRun.attempt > 1 ? ` (attempt ${schedule.currentRun.attempt})` : ''}`}
                        </span>
                      ) : schedule.lastRun ? (
                        <div>
                          <span className={`status status-${schedule.lastRun.status}`}>
                            {lastRunLabels[schedule.lastRun.status]}
                          </span>{' '}
                          <time
                            className="subtle"
                            dateTime={schedule.lastRun.createdAt}
                            title={formatDateTime(schedule.lastRun.createdAt)}
                          >
                            {formatRelative(schedule.lastRun.createdAt)}
                          </time>
                          {schedule.lastRun.error ? (
                            <div className="subtle">{schedule.lastRun.error.message}</div>
                          ) : null}
                        </div>
                      ) : (
                        <span className="subtle">Not run yet</span>
                      )}
                    </td>
                    {isAdmin ? (
                      <td data-label="Owner">
                        {schedule.owner ? (
                          <div>
                            <div>{schedule.owner.id === me.user.id ? 'You' : schedule.owner.name}</div>
                            <div className="subtle">{schedule.owner.email}</div>
                          </div>
                        ) : (
                          <span className="subtle">Left the workspace</span>
                        )}
                      </td>
                    ) : null}
                    <td className="actions-cell">
                      {schedule.editable && canManage ? (
                        <div className="row-actions">
                          <Button
                            size="sm"
                            busy={runNow.isPending && runNow.variables?.id === schedule.id}
                            disabled={schedule.currentRun !== null}
                            onClick={() => runNow.mutate({ id: schedule.id })}
                          >
                            Run now<span className="visually-hidden"> {schedule.name}</span>
                          </Button>
                          {schedule.status === 'active' ? (
                            <Button
                              size="sm"
                              variant="ghost"
                              busy={pause.isPending && pause.variables?.id === schedule.id}
                              onClick={() => pause.mutate({ id: schedule.id })}
                            >
                              Pause<span className="visually-hidden"> {schedule.name}</span>
                            </Button>
                          ) : (
                            <Button
                              size="sm"
                              variant="ghost"
                              busy={resume.isPending && resume.variables?.id === schedule.id}
                              onClick={() => resume.mutate({ id: schedule.id })}
                            >
                              Resume<span className="visually-hidden"> {schedule.name}</span>
                            </Button>
                          )}
                          <Button size="sm" variant="ghost" onClick={() => setEditing(schedule)}>
                            Edit<span className="visually-hidden"> {schedule.name}</span>
                          </Button>
                          {confirmingDelete === schedule.id ? (
                            <Button
                              size="sm"
                              variant="danger"
                              busy={remove.isPending}
                              onClick={() => remove.mutate({ id: schedule.id })}
                              onBlur={() => setConfirmingDelete(null)}
                            >
                              Confirm delete
                            </Button>
                          ) : (
                            <Button
                              size="sm"
                              variant="ghost"
                              onClick={() => setConfirmingDelete(schedule.id)}
                            >
                              Delete<span className="visually-hidden"> {schedule.name}</span>
                            </Button>
                          )}
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {editing ? <ScheduleDialog schedule={editing} onClose={() => setEditing(null)} /> : null}
    </>
  );
}
