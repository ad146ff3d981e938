import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { exportSchedules, users, workspaces } from '../../drizzle/schema';
import { apiKeyScopes, roleRank } from '../../shared/auth';
import type { ExportSummary } from '../../shared/exports';
import {
  CreateScheduleInput,
  type ExportSchedule,
  ScheduledExportRequest,
  type ScheduleNotify,
  type ScheduleRule,
  UpdateScheduleInput,
} from '../../shared/schedules';
import type { Identity } from '../auth/identity';
import type { AppServices } from '../context';
import { ApiError } from '../errors/api-error';
import { planExport } from '../exports/export-plan';
import { assertDeliverableWebhookUrl } from '../exports/notify/webhook-target';
import { type Clock, systemClock } from './clock';
import { assertValidRule, describeRule, nextRunAfter } from './schedule-times';

export type ScheduleServices = Pick<AppServices, 'database' | 'env' | 'exportQueue' | 'logger'>;
export type ScheduleRow = typeof exportSchedules.$inferSelect;
export interface ScheduleOwner {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'member' | 'viewer';
  workspaceId: string;
}

const ownerColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  workspaceId: users.workspaceId,
};

/** A schedule is seen and managed by its owner and by the workspace's admins; to anyone else it does not exist. */
function visibleTo(identity: Identity): SQL | undefined {
  return identity.user.role === 'admin'
    ? eq(exportSchedules.workspaceId, identity.workspace.id)
    : and(
        eq(exportSchedules.workspaceId, identity.workspace.id),
        eq(exportSchedules.ownerId, identity.user.id),
      );
}

async function selectSchedules(services: ScheduleServices, where: SQL | undefined) {
  return services.database.db
    .select({ schedule: exportSchedules, owner: ownerColumns })
    .from(exportSchedules)
    .leftJoin(users, eq(users.id, exportSchedules.ownerId))
    .where(where)
    .orderBy(desc(exportSchedules.createdAt), desc(exportSchedules.id));
}

export async function findVisibleSchedule(
  services: ScheduleServices,
  identity: Identity,
  id: string,
): Promise<{ schedule: ScheduleRow; owner: ScheduleOwner | null }> {
  const [found] = await selectSchedules(services, and(eq(exportSchedules.id, id), visibleTo(identity)));
  if (!found)
    throw new ApiError('NOT_FOUND', `No scheduled export with id '${id}'`, { object: 'exportSchedules', id });
  return found;
}

interface LastRunRow {
  schedule_id: string;
  id: string;
  status: ExportSummary['status'];
  created_at: Date | string;
  finished_at: Date | string | null;
  processed_rows: number | string;
  error: { code?: unknown; message?: unknown } | null;
}

const iso = (value: Date | string | null | undefined) =>
  value == null ? null : new Date(value).toISOString();

async function lastRunsOf(services: ScheduleServices, ids: readonly string[]) {
  if (!ids.length) return new Map<string, LastRunRow>();
  const rows = await services.database.query<LastRunRow>(
    `select distinct on (schedule_id) schedule_id, id, status, created_at, finished_at, processed_rows, error
     from exports where schedule_id = any($1::uuid[]) order by schedule_id, created_at desc, id desc`,
    [ids],
  );
  return new Map(rows.map((row) => [row.schedule_id, row]));
}

function toView(
  identity: Identity,
  row: { schedule: ScheduleRow; owner: ScheduleOwner | null },
  lastRun: LastRunRow | undefined,
): ExportSchedule {
  const { schedule, owner } = row;
  const rule = schedule.rule as ScheduleRule;
  return {
    id: schedule.id,
    name: schedule.name,
    owner: owner ? { id: owner.id, name: owner.name, email: owner.email } : null,
    request: schedule.request as ExportSchedule['request'],
    schedule: rule,
    description: describeRule(rule),
    mode: schedule.mode,
    changesSince: iso(schedule.changesSince),
    notify: schedule.notify as ScheduleNotify,
    status: schedule.status,
    pausedReason: schedule.pausedReason
      ? (schedule.pausedReason as NonNullable<ExportSchedule['pausedReason']>)
      : null,
    nextRunAt: iso(schedule.nextRunAt),
    watermark: iso(schedule.watermark ?? schedule.changesSince),
    consecutiveFailures: schedule.consecutiveFailures,
    currentRun: schedule.runSlot
      ? { exportId: schedule.runExportId, attempt: schedule.runAttempt, retryAt: iso(schedule.retryAt) }
      : null,
    lastRun: lastRun
      ? {
          exportId: lastRun.id,
          status: lastRun.status,
          createdAt: iso(lastRun.created_at) as string,
          finishedAt: iso(lastRun.finished_at),
          processedRows: Number(lastRun.processed_rows),
          error: lastRun.error
            ? { code: String(lastRun.error.code), message: String(lastRun.error.message) }
            : null,
        }
      : null,
    editable: identity.user.role === 'admin' || schedule.ownerId === identity.user.id,
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
}

async function viewOf(services: ScheduleServices, identity: Identity, id: string): Promise<ExportSchedule> {
  const found = await findVisibleSchedule(services, identity, id);
  return toView(identity, found, (await lastRunsOf(services, [id])).get(id));
}

/** The identity a schedule's runs act as: its owner, with whatever their role allows today. */
export async function ownerIdentity(
  services: ScheduleServices,
  schedule: ScheduleRow,
): Promise<{
  identity?: Identity;
  problem?: { code: 'OWNER_REMOVED' | 'OWNER_NOT_ALLOWED'; message: string };
}> {
  const [owner] = schedule.ownerId
    ? await services.database.db
        .select({
          user: ownerColumns,
          workspace: { id: workspaces.id, slug: workspaces.slug, name: workspaces.name },
        })
        .from(users)
        .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
        .where(eq(users.id, schedule.ownerId))
    : [];
  if (!owner || owner.workspace.id !== schedule.workspaceId)
    return {
      problem: {
        code: 'OWNER_REMOVED',
        message: 'Its owner is no longer a member of the workspace. An admin can delete it.',
      },
    };
  if (roleRank[owner.user.role] < roleRank.member)
    return {
      problem: {
        code: 'OWNER_NOT_ALLOWED',
        message: `Its owner, ${owner.user.name}, is now a ${owner.user.role} and can no longer export. It resumes once they have the member role again.`,
      },
    };
  const { workspaceId: _, ...user } = owner.user;
  return {
    identity: { user, workspace: owner.workspace, via: 'session', scopes: [...apiKeyScopes] },
  };
}

/**
 * The request is validated as startExport validates it (columns, view, filter, date range), for the
 * user the runs act as, and the webhook address is checked; recipients must be workspace members.
 */
async function validated(
  services: ScheduleServices,
  actingAs: Identity,
  input: { request: z.output<typeof ScheduledExportRequest>; rule: ScheduleRule; notify: ScheduleNotify },
): Promise<{ recipientIds: string[] }> {
  assertValidRule(input.rule);
  await planExport(
    services.database.db,
    { workspaceId: actingAs.workspace.id, userId: actingAs.user.id, role: actingAs.user.role },
    input.request,
  );
  if (input.notify.webhookUrl) {
    await assertDeliverableWebhookUrl(input.notify.webhookUrl, {
      allowPrivateNetworks: services.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
  }
  const emails = [...new Set(input.notify.recipients ?? [])];
  if (!emails.length) return { recipientIds: [] };
  const members = await services.database.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.workspaceId, actingAs.workspace.id), inArray(users.email, emails)));
  const byEmail = new Map(members.map((member) => [member.email.toLowerCase(), member.id]));
  const issues = (input.notify.recipients ?? []).flatMap((email, index) =>
    byEmail.has(email)
      ? []
      : [{ path: `notify.recipients.${index}`, message: `${email} is not a member of this workspace` }],
  );
  if (issues.length)
    throw new ApiError('VALIDATION_ERROR', 'Some recipients are not workspace members', { issues });
  return { recipientIds: [...byEmail.values()] };
}

export async function createSchedule(
  services: ScheduleServices,
  identity: Identity,
  input: z.input<typeof CreateScheduleInput>,
  clock: Clock = systemClock,
): Promise<ExportSchedule> {
  const parsed = CreateScheduleInput.parse(input);
  const rule = parsed.schedule;
  const { recipientIds } = await validated(services, identity, {
    request: parsed.request,
    rule,
    notify: parsed.notify,
  });
  const [inserted] = await services.database.db
    .insert(exportSchedules)
    .values({
      workspaceId: identity.workspace.id,
      ownerId: identity.user.id,
      name: parsed.name,
      request: parsed.request as Record<string, unknown>,
      rule: rule as Record<string, unknown>,
      mode: parsed.mode,
      changesSince: parsed.changesSince ? new Date(parsed.changesSince) : null,
      notify: parsed.notify as Record<string, unknown>,
      recipientIds,
      nextRunAt: nextRunAfter(rule, clock.now()),
    })
    .returning({ id: exportSchedules.id });
  if (!inserted) throw new Error('schedule insert returned nothing');
  return viewOf(services, identity, inserted.id);
}

export async function listSchedules(services: ScheduleServices, identity: Identity) {
  const rows = await selectSchedules(services, visibleTo(identity));
  const lastRuns = await lastRunsOf(
    services,
    rows.map((row) => row.schedule.id),
  );
  return { schedules: rows.map((row) => toView(identity, row, lastRuns.get(row.schedule.id))) };
}

export function getSchedule(services: ScheduleServices, identity: Identity, id: string) {
  return viewOf(services, identity, id);
}

export async function updateSchedule(
  services: ScheduleServices,
  identity: Identity,
  input: z.input<typeof UpdateScheduleInput>,
  clock: Clock = systemClock,
): Promise<ExportSchedule> {
  const parsed = UpdateScheduleInput.parse(input);
  const { schedule } = await findVisibleSchedule(services, identity, parsed.id);
  const rule = parsed.schedule ?? (schedule.rule as ScheduleRule);
  const request = parsed.request ?? ScheduledExportRequest.parse(schedule.request);
  const notify = parsed.notify ?? (schedule.notify as ScheduleNotify);
  // The runs act as the owner, so an admin's edit is validated for the owner (or the admin, when the owner is gone).
  const owner = await ownerIdentity(services, schedule);
  const { recipientIds } = await validated(services, owner.identity ?? identity, { request, rule, notify });
  const changes: Partial<typeof exportSchedules.$inferInsert> = {
    name: parsed.name ?? schedule.name,
    request: request as Record<string, unknown>,
    rule: rule as Record<string, unknown>,
    notify: notify as Record<string, unknown>,
    recipientIds,
    updatedAt: new Date(),
  };
  if (parsed.mode) changes.mode = parsed.mode;
  if (parsed.changesSince !== undefined) {
    // A start given again means "from there": the watermark of earlier runs no longer applies.
    changes.changesSince = parsed.changesSince ? new Date(parsed.changesSince) : null;
    changes.watermark = null;
  }
  if (parsed.schedule && schedule.status === 'active') changes.nextRunAt = nextRunAfter(rule, clock.now());
  await services.database.db.update(exportSchedules).set(changes).where(eq(exportSchedules.id, schedule.id));
  return viewOf(services, identity, schedule.id);
}

export async function pauseSchedule(
  services: ScheduleServices,
  identity: Identity,
  id: string,
  clock: Clock = systemClock,
): Promise<ExportSchedule> {
  const { schedule } = await findVisibleSchedule(services, identity, id);
  if (schedule.status === 'active') {
    await services.database.db
      .update(exportSchedules)
      .set({
        status: 'paused',
        pausedReason: {
          code: 'PAUSED_BY_USER',
          message: `Paused by ${identity.user.name}`,
          at: clock.now().toISOString(),
        },
        nextRunAt: null,
        // A run waiting for its retry is dropped; a running export finishes as it is (and is settled).
        retryAt: null,
        runSlot: sql`case when ${exportSchedules.runExportId} is null then null else ${exportSchedules.runSlot} end`,
        runWindow: sql`case when ${exportSchedules.runExportId} is null then null else ${exportSchedules.runWindow} end`,
        runClaimedAt: sql`case when ${exportSchedules.runExportId} is null then null else ${exportSchedules.runClaimedAt} end`,
        updatedAt: new Date(),
      })
      .where(eq(exportSchedules.id, id));
  }
  return viewOf(services, identity, id);
}

/** Runs missed while paused are not caught up: the next run is the rule's next one from now. */
export async function resumeSchedule(
  services: ScheduleServices,
  identity: Identity,
  id: string,
  clock: Clock = systemClock,
): Promise<ExportSchedule> {
  const { schedule } = await findVisibleSchedule(services, identity, id);
  if (schedule.status === 'paused') {
    const owner = await ownerIdentity(services, schedule);
    if (owner.problem)
      throw new ApiError('FORBIDDEN', `This schedule cannot run: ${owner.problem.message}`, {
        reason: owner.problem.code,
      });
    await services.database.db
      .update(exportSchedules)
      .set({
        status: 'active',
        pausedReason: null,
        consecutiveFailures: 0,
        nextRunAt: nextRunAfter(schedule.rule as ScheduleRule, clock.now()),
        updatedAt: new Date(),
      })
      .where(eq(exportSchedules.id, id));
  }
  return viewOf(services, identity, id);
}

/** Deletes the schedule; its past runs stay in the history as ordinary exports (scheduleId becomes null). */
export async function deleteSchedule(
  services: ScheduleServices,
  identity: Identity,
  id: string,
): Promise<{ id: string; deleted: true }> {
  await findVisibleSchedule(services, identity, id);
  await services.database.db.delete(exportSchedules).where(eq(exportSchedules.id, id));
  return { id, deleted: true };
}
