import { and, eq, inArray } from 'drizzle-orm';
import { exportSchedules, users } from '../../drizzle/schema';
import type { ObjectSlug } from '../../shared/catalog';
import { errorCatalog } from '../../shared/errors';
import type { ExportSummary } from '../../shared/exports';
import { andFilters } from '../../shared/filters';
import { ScheduledExportRequest, type ScheduleNotify, type ScheduleRule } from '../../shared/schedules';
import type { Identity } from '../auth/identity';
import type { RawQuery } from '../db/database';
import { ApiError } from '../errors/api-error';
import { startExport } from '../exports/export-service';
import { loadExportSummary } from '../exports/export-summary-loader';
import type { Mailer } from '../exports/notify/export-email';
import type { Clock } from './clock';
import { scheduleEmail, schedulePausedEmail } from './schedule-email';
import {
  findVisibleSchedule,
  ownerIdentity,
  type ScheduleRow,
  type ScheduleServices,
} from './schedule-service';
import { nextRunAfter } from './schedule-times';

/**
 * A schedule's runs, in three steps any number of processes may take at the same time:
 *
 * 1. claim: due schedules are locked (FOR UPDATE SKIP LOCKED) and their slot is taken by moving
 *    next_run_at on, so each due run is claimed by exactly one process. A schedule whose runs were
 *    missed (every worker down) is due once: its next run is the rule's next one after now.
 * 2. start: the run is an ordinary export of the owner (checked again: still a member, view still
 *    visible, request still valid), started with the idempotency key `schedule:<id>:<slot>:<attempt>`,
 *    so a claim taken over after a crash cannot start a second export.
 * 3. settle: once that export ends, the watermark moves to the end of its window (changes mode), a
 *    failure is retried with backoff, the last failure is reported, and N failed runs in a row pause it.
 */

export interface SchedulerDeps {
  services: ScheduleServices;
  clock: Clock;
  mailer: Mailer;
}

/** A claim older than this whose export was never recorded (its process died) is taken over. */
export const claimTakeoverMs = 2 * 60_000;

/**
 * The timestamp that tells a record changed: updated_at where records are edited, created_at where they
 * are only ever added.
 */
export const changeAttribute: Record<ObjectSlug, string> = {
  people: 'updated_at',
  companies: 'updated_at',
  conversations: 'created_at',
  activities: 'created_at',
};

interface DueRow {
  id: string;
  rule: ScheduleRule;
  mode: 'all' | 'changes';
  next_run_at: Date | string | null;
  run_slot: Date | string | null;
  run_attempt: number;
  retry_at: Date | string | null;
  run_window: { since: string | null; until: string } | null;
  watermark: Date | string | null;
  changes_since: Date | string | null;
}

export interface ClaimedRun {
  scheduleId: string;
  slot: Date;
  attempt: number;
}

const iso = (value: Date | string | null | undefined) =>
  value == null ? null : new Date(value).toISOString();

/**
 * The end of a changes window: records stamped before it are all committed, so the run's snapshot
 * (taken later) holds every one of them. On Postgres a transaction still open may stamp rows with its
 * earlier start time and commit after the snapshot, so the end is the start of the oldest open
 * transaction when there is one; rows stamped after the end go to the next run. At most a repeat,
 * never a gap.
 */
async function windowEnd(query: RawQuery, kind: 'pglite' | 'postgres'): Promise<string> {
  const [row] = await query<{ at: Date | string }>(
    kind === 'postgres'
      ? `select least(clock_timestamp(), (
           select min(xact_start) from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
         )) as at`
      : 'select clock_timestamp() as at',
  );
  return new Date(row?.at ?? Date.now()).toISOString();
}

/** Takes the due runs (new slots, retries whose time came, claims abandoned by a dead process). */
export async function claimDueRuns(deps: SchedulerDeps, limit = 20): Promise<ClaimedRun[]> {
  const { database } = deps.services;
  const now = deps.clock.now();
  const abandoned = new Date(now.getTime() - claimTakeoverMs);
  return database.transaction(async (query) => {
    const due = await query<DueRow>(
      `select id, rule, mode, next_run_at, run_slot, run_attempt, retry_at, run_window, watermark, changes_since
       from export_schedules
       where status = 'active' and run_export_id is null and (
         (run_slot is null and next_run_at <= $1::timestamptz)
         or (run_slot is not null and retry_at <= $1::timestamptz)
         or (run_slot is not null and retry_at is null and run_claimed_at <= $2::timestamptz))
       order by coalesce(retry_at, next_run_at), id
       limit $3
       for update skip locked`,
      [now.toISOString(), abandoned.toISOString(), limit],
    );
    const claimed: ClaimedRun[] = [];
    for (const row of due) {
      let slot: Date;
      let attempt: number;
      let nextRunAt = iso(row.next_run_at);
      let window = row.run_window;
      if (!row.run_slot) {
        slot = new Date(row.next_run_at ?? now);
        attempt = 1;
        // Missed slots are not run one by one: the next run is the rule's next one after now.
        nextRunAt = nextRunAfter(row.rule, slot > now ? slot : now).toISOString();
        window = null;
      } else if (row.retry_at) {
        slot = new Date(row.run_slot);
        attempt = row.run_attempt + 1;
        window = null;
      } else {
        // Taken over: the same attempt and window, so the idempotency key finds its export if it exists.
        slot = new Date(row.run_slot);
        attempt = row.run_attempt;
      }
      if (!window && row.mode === 'changes')
        window = {
          since: iso(row.watermark ?? row.changes_since),
          until: await windowEnd(query, database.kind),
        };
      await query(
        `update export_schedules set run_slot = $2::timestamptz, run_attempt = $3, run_claimed_at = $4::timestamptz,
           retry_at = null, next_run_at = $5::timestamptz, run_window = $6::jsonb, updated_at = now()
         where id = $1`,
        [
          row.id,
          slot.toISOString(),
          attempt,
          now.toISOString(),
          nextRunAt,
          window ? JSON.stringify(window) : null,
        ],
      );
      claimed.push({ scheduleId: row.id, slot, attempt });
    }
    return claimed;
  });
}

async function loadSchedule(deps: SchedulerDeps, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await deps.services.database.db
    .select()
    .from(exportSchedules)
    .where(eq(exportSchedules.id, id));
  return row;
}

/** The startExport request of one run: the saved request, its changes window, the schedule's webhook. */
export function runRequest(schedule: ScheduleRow, run: ClaimedRun) {
  const saved = ScheduledExportRequest.parse(schedule.request);
  const window = schedule.runWindow;
  const attribute = changeAttribute[saved.object];
  // The first run (no start) takes everything, records stamped in the future included; later runs take
  // [since, until), so a record lands in exactly one run's window.
  const filter =
    schedule.mode === 'changes' && window?.since
      ? andFilters(saved.filter, { [attribute]: { $gte: window.since, $lt: window.until } })
      : saved.filter;
  const notify = schedule.notify as ScheduleNotify;
  return {
    ...saved,
    ...(filter && Object.keys(filter).length ? { filter } : {}),
    ...(notify.webhookUrl ? { notify: { webhookUrl: notify.webhookUrl } } : {}),
    idempotencyKey: `schedule:${schedule.id}:${run.slot.toISOString()}:${run.attempt}`,
  };
}

/** Pauses a schedule that cannot run, says why (pausedReason, and an email to its owner). */
async function pauseForReason(
  deps: SchedulerDeps,
  schedule: ScheduleRow,
  reason: { code: string; message: string },
): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.services.database.db
    .update(exportSchedules)
    .set({
      status: 'paused',
      pausedReason: { ...reason, at },
      nextRunAt: null,
      runSlot: null,
      runExportId: null,
      runWindow: null,
      runClaimedAt: null,
      retryAt: null,
      updatedAt: new Date(),
    })
    .where(eq(exportSchedules.id, schedule.id));
  deps.services.logger.warn({ schedule_id: schedule.id, reason: reason.code }, 'scheduled export paused');
  await emailOwner(deps, schedule, (owner) =>
    schedulePausedEmail(schedule.name, reason.message, deps.services.env.APP_URL, owner),
  );
}

async function emailOwner(
  deps: SchedulerDeps,
  schedule: ScheduleRow,
  message: (owner: { name: string; email: string }) => { subject: string; text: string; html: string },
) {
  if (!schedule.ownerId) return;
  const [owner] = await deps.services.database.db
    .select({ name: users.name, email: users.email, workspaceId: users.workspaceId })
    .from(users)
    .where(eq(users.id, schedule.ownerId));
  if (!owner || owner.workspaceId !== schedule.workspaceId) return;
  await deps.mailer
    .send({ to: owner.email, ...message(owner) })
    .catch((error: unknown) =>
      deps.services.logger.error(
        { err: error, schedule_id: schedule.id },
        'could not email the schedule owner',
      ),
    );
}

export type StartedRun =
  | { export: ExportSummary }
  | { paused: { code: string; message: string }; error?: ApiError };

/**
 * Starts the claimed run as the owner's export. An owner who left or lost the member role, or a request
 * that is no longer valid for them (a view they can no longer see, say), pauses the schedule instead.
 * Any other failure leaves the claim in place: it is taken over after `claimTakeoverMs`.
 */
export async function startRun(deps: SchedulerDeps, run: ClaimedRun): Promise<StartedRun | undefined> {
  const schedule = await loadSchedule(deps, run.scheduleId);
  if (!schedule || schedule.runExportId || schedule.runSlot?.getTime() !== run.slot.getTime())
    return undefined;
  const owner = await ownerIdentity(deps.services, schedule);
  if (!owner.identity) {
    const problem = owner.problem ?? { code: 'OWNER_REMOVED', message: 'Its owner is gone' };
    await pauseForReason(deps, schedule, problem);
    return { paused: problem };
  }
  let started: ExportSummary;
  try {
    started = await startExport(deps.services, owner.identity, runRequest(schedule, run), {
      scheduleId: schedule.id,
    });
  } catch (error) {
    if (
      error instanceof ApiError &&
      errorCatalog[error.code].status < 500 &&
      error.code !== 'RATE_LIMIT_EXCEEDED'
    ) {
      const reason = { code: 'REQUEST_INVALID', message: `The export can no longer start: ${error.message}` };
      await pauseForReason(deps, schedule, reason);
      return { paused: reason, error };
    }
    throw error;
  }
  await deps.services.database.query(
    `update export_schedules set run_export_id = $2, updated_at = now()
     where id = $1 and run_slot = $3::timestamptz and run_attempt = $4`,
    [schedule.id, started.id, run.slot.toISOString(), run.attempt],
  );
  deps.services.logger.info(
    { schedule_id: schedule.id, export_id: started.id, attempt: run.attempt, slot: run.slot.toISOString() },
    'scheduled export started',
  );
  return { export: started };
}

interface FinishedRow {
  id: string;
  run_export_id: string;
  run_attempt: number;
  export_status: 'completed' | 'failed' | 'cancelled' | 'expired';
}

/** The wait before attempt `attempt + 1`: EXPORT_SCHEDULE_RETRY_SECONDS, then ×4 after each failure. */
export function retryDelayMs(retrySeconds: number, attempt: number): number {
  return retrySeconds * 1000 * 4 ** (attempt - 1);
}

/** Settles the runs whose export has ended (all of them, or one schedule's). */
export async function settleFinishedRuns(deps: SchedulerDeps, scheduleId?: string): Promise<number> {
  const { database, env } = deps.services;
  const finished = await database.query<FinishedRow>(
    `select s.id, s.run_export_id, s.run_attempt, e.status as export_status
     from export_schedules s join exports e on e.id = s.run_export_id
     where e.status in ('completed', 'failed', 'cancelled', 'expired') ${scheduleId ? 'and s.id = $1' : ''}`,
    scheduleId ? [scheduleId] : [],
  );
  let settled = 0;
  for (const row of finished) {
    const now = deps.clock.now();
    const clear = `run_slot = null, run_export_id = null, run_window = null, run_claimed_at = null, retry_at = null`;
    // Each update is conditional on the run's export: one process settles it, the others find nothing.
    // An export that completed and expired before this pass still delivered its file.
    if (row.export_status === 'completed' || row.export_status === 'expired') {
      const [done] = await database.query<{ id: string }>(
        `update export_schedules set ${clear}, consecutive_failures = 0, updated_at = now(),
           watermark = case when mode = 'changes' and run_window is not null
             then (run_window->>'until')::timestamptz else watermark end
         where id = $1 and run_export_id = $2 returning id`,
        [row.id, row.run_export_id],
      );
      if (done) await announceCompleted(deps, row.id, row.run_export_id);
    } else if (row.export_status === 'cancelled') {
      // Someone cancelled this run: it is not retried and not a failure; the next run covers its changes.
      await database.query(
        `update export_schedules set ${clear}, updated_at = now() where id = $1 and run_export_id = $2`,
        [row.id, row.run_export_id],
      );
    } else if (row.run_attempt < env.EXPORT_SCHEDULE_ATTEMPTS) {
      const retryAt = new Date(
        now.getTime() + retryDelayMs(env.EXPORT_SCHEDULE_RETRY_SECONDS, row.run_attempt),
      );
      await database.query(
        `update export_schedules set run_export_id = null,
           retry_at = case when status = 'active' then $3::timestamptz end, updated_at = now()
         where id = $1 and run_export_id = $2`,
        [row.id, row.run_export_id, retryAt.toISOString()],
      );
      // A paused schedule is not retried: the run ends here.
      await database.query(
        `update export_schedules set ${clear}, consecutive_failures = consecutive_failures + 1, updated_at = now()
         where id = $1 and status = 'paused' and run_slot is not null and run_export_id is null and retry_at is null`,
        [row.id],
      );
    } else {
      const [failed] = await database.query<{ consecutive_failures: number }>(
        `update export_schedules set ${clear}, consecutive_failures = consecutive_failures + 1, updated_at = now()
         where id = $1 and run_export_id = $2 returning consecutive_failures`,
        [row.id, row.run_export_id],
      );
      if (failed)
        await announceFailed(deps, row.id, row.run_export_id, row.run_attempt, failed.consecutive_failures);
    }
    settled++;
  }
  return settled;
}

async function announceCompleted(deps: SchedulerDeps, scheduleId: string, exportId: string) {
  const schedule = await loadSchedule(deps, scheduleId);
  const summary = await loadExportSummary(deps.services.database, exportId);
  if (!schedule || !summary) return;
  deps.services.logger.info({ schedule_id: scheduleId, export_id: exportId }, 'scheduled export completed');
  const notify = schedule.notify as ScheduleNotify;
  // Recipients still in the workspace (one who left is skipped).
  const recipients = schedule.recipientIds.length
    ? await deps.services.database.db
        .select({ email: users.email })
        .from(users)
        .where(and(eq(users.workspaceId, schedule.workspaceId), inArray(users.id, schedule.recipientIds)))
    : [];
  const to = new Set<string>();
  if (notify.email && schedule.ownerId) to.add(summary.requestedBy.email);
  for (const user of recipients) to.add(user.email);
  for (const address of to) {
    await deps.mailer
      .send({
        to: address,
        ...scheduleEmail(schedule.name, summary, 'export.completed', deps.services.env.APP_URL),
      })
      .catch((error: unknown) =>
        deps.services.logger.error(
          { err: error, schedule_id: scheduleId, to: address },
          'could not email a scheduled run',
        ),
      );
  }
}

async function announceFailed(
  deps: SchedulerDeps,
  scheduleId: string,
  exportId: string,
  attempts: number,
  consecutiveFailures: number,
) {
  const schedule = await loadSchedule(deps, scheduleId);
  const summary = await loadExportSummary(deps.services.database, exportId);
  if (!schedule || !summary) return;
  deps.services.logger.warn(
    { schedule_id: scheduleId, export_id: exportId, attempts, consecutive_failures: consecutiveFailures },
    'scheduled export failed after its last attempt',
  );
  const pauseAfter = deps.services.env.EXPORT_SCHEDULE_PAUSE_AFTER;
  if (consecutiveFailures >= pauseAfter && schedule.status === 'active') {
    await pauseForReason(deps, schedule, {
      code: 'TOO_MANY_FAILURES',
      message: `Paused after ${consecutiveFailures} failed runs in a row. The last one: ${summary.error?.message ?? 'unknown error'}`,
    });
    return;
  }
  await emailOwner(deps, schedule, () =>
    scheduleEmail(schedule.name, summary, 'export.failed', deps.services.env.APP_URL, attempts),
  );
}

/** One pass: settle what ended, then claim and start what is due. */
export async function sweepSchedules(deps: SchedulerDeps): Promise<{ settled: number; started: number }> {
  const settled = await settleFinishedRuns(deps);
  let started = 0;
  for (;;) {
    const claimed = await claimDueRuns(deps);
    for (const run of claimed) {
      try {
        if (await startRun(deps, run)) started++;
      } catch (error) {
        deps.services.logger.error(
          { err: error, schedule_id: run.scheduleId },
          'could not start a scheduled export; it is taken over later',
        );
      }
    }
    if (claimed.length < 20) break;
  }
  return { settled, started };
}

/**
 * runNow: a run outside the rule, of an active or paused schedule, with the same checks as a scheduled
 * one. SCHEDULE_RUN_IN_PROGRESS while another run of it is under way or waiting for its retry.
 */
export async function runScheduleNow(
  deps: SchedulerDeps,
  identity: Identity,
  id: string,
): Promise<ExportSummary> {
  await findVisibleSchedule(deps.services, identity, id);
  await settleFinishedRuns(deps, id);
  const { database } = deps.services;
  const now = deps.clock.now();
  const claimed = await database.transaction(async (query) => {
    const [row] = await query<DueRow & { run_export_id: string | null }>(
      `select id, mode, run_slot, run_export_id, retry_at, watermark, changes_since from export_schedules
       where id = $1 for update`,
      [id],
    );
    if (!row) return undefined;
    if (row.run_slot)
      throw new ApiError('SCHEDULE_RUN_IN_PROGRESS', 'This schedule is already running', {
        schedule_id: id,
        export_id: row.run_export_id,
        retry_at: iso(row.retry_at),
      });
    const window =
      row.mode === 'changes'
        ? { since: iso(row.watermark ?? row.changes_since), until: await windowEnd(query, database.kind) }
        : null;
    await query(
      `update export_schedules set run_slot = $2::timestamptz, run_attempt = 1, run_claimed_at = $2::timestamptz,
         retry_at = null, run_window = $3::jsonb, updated_at = now() where id = $1`,
      [id, now.toISOString(), window ? JSON.stringify(window) : null],
    );
    return { scheduleId: id, slot: now, attempt: 1 };
  });
  if (!claimed)
    throw new ApiError('NOT_FOUND', `No scheduled export with id '${id}'`, { object: 'exportSchedules', id });
  let started: StartedRun | undefined;
  try {
    started = await startRun(deps, claimed);
  } catch (error) {
    await database.query(
      `update export_schedules set run_slot = null, run_window = null, run_claimed_at = null where id = $1 and run_export_id is null`,
      [id],
    );
    throw error;
  }
  if (!started) throw new Error('the run was taken by another process');
  // The schedule could not run and is now paused; the caller hears why, as the error it ran into.
  if ('paused' in started)
    throw (
      started.error ??
      new ApiError('FORBIDDEN', `The schedule was paused: ${started.paused.message}`, {
        reason: started.paused.code,
      })
    );
  return started.export;
}
