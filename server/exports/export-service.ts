import { and, desc, eq, ilike, inArray, lt, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { exportSchedules, exports, users } from '../../drizzle/schema';
import type { Role } from '../../shared/auth';
import {
  type ExportSummary,
  type ListExportsInput,
  StartExportInput,
  type StartExportInput as StartExportRequest,
} from '../../shared/exports';
import { RecordId } from '../../shared/records';
import type { Identity } from '../auth/identity';
import type { AppServices } from '../context';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { escapeLike } from '../records/filters/compile-filter';
import { countRecords } from '../records/record-query';
import { downloadTokenLifetimeMs, signDownloadToken } from './download-token';
import { planExport } from './export-plan';
import { queuePositionOf, queuePositions } from './export-queue';
import {
  type ExportWithRequester,
  selectExportsWithRequester,
  summarySelection,
  toExportSummary,
  withRequester,
} from './export-summary';
import { assertDeliverableWebhookUrl } from './notify/webhook-target';
import { aliveWorkerCount, noWorkerAlive } from './worker-heartbeat';
import { fileTypeOf } from './writers';

type Services = Pick<AppServices, 'database' | 'env' | 'exportQueue' | 'logger'>;

/** A value, or its placeholder in a statement prepared once (exportStatus's). */
type Bound = string | Placeholder;

/** The export is a run of a schedule that emails `userId` each completed run. */
function scheduleRecipientOf(userId: Bound): SQL {
  return sql`${exports.scheduleId} in (select ${exportSchedules.id} from ${exportSchedules} where ${userId}::uuid = any(${exportSchedules.recipientIds}))`;
}

function scopeOf(identity: Identity) {
  return { workspaceId: identity.workspace.id, userId: identity.user.id, role: identity.user.role };
}

/**
 * The exports a caller may see: their own, the runs of schedules that send them their files, or the
 * whole workspace's for an admin. Anything else, including another workspace's id, is NOT_FOUND, never
 * FORBIDDEN, so ids cannot be probed.
 */
function visibleTo(caller: { role: Role; workspaceId: Bound; userId: Bound }): SQL | undefined {
  return caller.role === 'admin'
    ? eq(exports.workspaceId, caller.workspaceId)
    : and(
        eq(exports.workspaceId, caller.workspaceId),
        or(eq(exports.userId, caller.userId), scheduleRecipientOf(caller.userId)),
      );
}

export async function findVisibleExport(
  services: Services,
  identity: Identity,
  exportId: string,
): Promise<ExportWithRequester> {
  const [row] = await selectExportsWithRequester(services.database.db)
    .where(and(eq(exports.id, exportId), visibleTo(scopeOf(identity))))
    .limit(1);
  if (!row) throw notFound(exportId);
  return withRequester(row);
}

function notFound(exportId: string): ApiError {
  return new ApiError('NOT_FOUND', `No export with id '${exportId}'`, { object: 'exports', id: exportId });
}

/** The summaries of `rows`, with the queue position of those that are queued (one query, only if any is). */
async function summariesOf(
  services: Services,
  rows: readonly ExportWithRequester[],
): Promise<ExportSummary[]> {
  const queued = rows.filter((row) => row.status === 'queued').map((row) => row.id);
  const positions = await queuePositions(services.database, services.env.EXPORT_LEASE_SECONDS, queued);
  const noWorkerAlive = queued.length > 0 && (await aliveWorkerCount(services.database)) === 0;
  return rows.map((row) => toExportSummary(row, positions.get(row.id) ?? null, noWorkerAlive));
}

async function summaryOf(services: Services, row: ExportWithRequester): Promise<ExportSummary> {
  const [summary] = await summariesOf(services, [row]);
  return summary as ExportSummary;
}

async function byIdempotencyKey(services: Services, identity: Identity, key: string) {
  const [row] = await selectExportsWithRequester(services.database.db)
    .where(and(eq(exports.userId, identity.user.id), eq(exports.idempotencyKey, key)))
    .limit(1);
  return row ? withRequester(row) : undefined;
}

/**
 * Validates the request completely (columns, view, filter, date range, PDF cap), records the export as
 * `queued` and hands it to the job queue. The same idempotencyKey from the same user returns the
 * export it started before, whatever the rest of the request says.
 */
export async function startExport(
  services: Services,
  identity: Identity,
  input: StartExportRequest,
  /**
   * `requestId`: the id of the call (X-Request-Id), stored so a failed export can be traced in the logs.
   * `scheduleId`: the schedule whose run this is (server/schedules/).
   */
  call: { requestId?: string; scheduleId?: string } = {},
): Promise<ExportSummary> {
  const request = StartExportInput.parse(input);
  if (request.idempotencyKey) {
    const existing = await byIdempotencyKey(services, identity, request.idempotencyKey);
    if (existing) return summaryOf(services, existing);
  }
  const { database, env } = services;
  if (request.notify?.webhookUrl) {
    await assertDeliverableWebhookUrl(request.notify.webhookUrl, {
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
  }
  const plan = await planExport(database.db, scopeOf(identity), request);
  let totalRows: number | null = null;
  if (request.format === 'pdf') {
    totalRows = await countRecords(database.db, plan.query);
    if (totalRows > env.EXPORT_PDF_ROW_CAP) {
      throw new ApiError(
        'VALIDATION_ERROR',
        `PDF exports are limited to ${env.EXPORT_PDF_ROW_CAP.toLocaleString('en-US')} rows; this one has ${totalRows.toLocaleString('en-US')}. Narrow the filter or choose CSV or XLSX.`,
        {
          issues: [{ path: 'format', message: `PDF is capped at ${env.EXPORT_PDF_ROW_CAP} rows` }],
          row_cap: env.EXPORT_PDF_ROW_CAP,
          rows: totalRows,
        },
      );
    }
  }
  const [inserted] = await database.db
    .insert(exports)
    .values({
      workspaceId: identity.workspace.id,
      userId: identity.user.id,
      object: request.object,
      format: request.format,
      request: request as Record<string, unknown>,
      idempotencyKey: request.idempotencyKey ?? null,
      totalRows,
      requestId: call.requestId ?? null,
      scheduleId: call.scheduleId ?? null,
    })
    .onConflictDoNothing()
    .returning({ id: exports.id });
  if (!inserted) {
    // Two requests with one idempotency key raced; the other one won.
    const existing =
      request.idempotencyKey && (await byIdempotencyKey(services, identity, request.idempotencyKey));
    if (existing) return summaryOf(services, existing);
    throw new Error('export insert returned nothing');
  }
  // The answer describes the export as created (queued): read before a woken worker can take it.
  const created = await exportStatus(services, identity, inserted.id);
  // The export is stored either way: if its job cannot be sent now, a worker's sweep sends it later
  // (queued exports without a job are looked for every few seconds), so the caller is not told it failed.
  if (!services.exportQueue)
    services.logger.warn(
      { export_id: inserted.id },
      'no export engine is running; the export waits for a worker',
    );
  else
    await services.exportQueue.enqueue(inserted.id, identity.workspace.id).catch((error: unknown) => {
      services.logger.error(
        { err: error, export_id: inserted.id },
        'could not queue the export job; a worker will pick the export up',
      );
    });
  return created;
}

/**
 * exportStatus's one statement: the export's row by primary key with its requester and, for a queued
 * export only (the subqueries of a CASE), its queue position and whether any worker is alive. Prepared
 * once per database and kind of caller: drizzle spends ~0.25 ms of CPU building this select, several
 * times what Postgres takes to run it, and every open dialog sends it each second.
 */
function prepareStatusStatement(db: Db, role: Role, leaseSeconds: number) {
  const exportId = sql.placeholder('exportId');
  const queued = sql`${exports.status} = 'queued'`;
  const position = queuePositionOf(exportId, leaseSeconds);
  const caller = { role, workspaceId: sql.placeholder('workspaceId'), userId: sql.placeholder('userId') };
  return db
    .select({
      ...summarySelection,
      queuePosition: sql<number | null>`case when ${queued} then ${position} end`,
      noWorkerAlive: sql<boolean>`case when ${queued} then ${noWorkerAlive()} else false end`,
    })
    .from(exports)
    .innerJoin(users, eq(users.id, exports.userId))
    .where(and(eq(exports.id, exportId), visibleTo(caller)))
    .limit(1)
    .prepare(`export_status_${role === 'admin' ? 'admin' : 'other'}`);
}

type StatusStatement = ReturnType<typeof prepareStatusStatement>;
const statusStatements = new WeakMap<Db, Map<string, StatusStatement>>();

function statusStatement(db: Db, role: Role, leaseSeconds: number) {
  // Admins see the workspace's exports, everyone else the same narrower set: two statements.
  const key = `${role === 'admin' ? 'admin' : 'other'}:${leaseSeconds}`;
  let prepared = statusStatements.get(db);
  if (!prepared) {
    prepared = new Map();
    statusStatements.set(db, prepared);
  }
  let statement = prepared.get(key);
  if (!statement) {
    statement = prepareStatusStatement(db, role, leaseSeconds);
    prepared.set(key, statement);
  }
  return statement;
}

/**
 * What every open export dialog polls each second, in one statement (see above): the same answer as
 * `summaryOf(findVisibleExport(…))`.
 */
export async function exportStatus(
  services: Services,
  identity: Identity,
  exportId: string,
): Promise<ExportSummary> {
  const statement = statusStatement(
    services.database.db,
    identity.user.role,
    services.env.EXPORT_LEASE_SECONDS,
  );
  const [row] = await statement.execute({
    exportId,
    workspaceId: identity.workspace.id,
    userId: identity.user.id,
  });
  if (!row) throw notFound(exportId);
  return toExportSummary(withRequester(row), row.queuePosition, row.noWorkerAlive);
}

/** Cancels a queued or running export (the job stops within one batch and removes its partial file). */
export async function cancelExport(
  services: Services,
  identity: Identity,
  exportId: string,
): Promise<ExportSummary> {
  const found = await findVisibleExport(services, identity, exportId);
  if (found.status === 'queued' || found.status === 'running') {
    await services.database.db
      .update(exports)
      .set({ status: 'cancelled', finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(exports.id, exportId), inArray(exports.status, ['queued', 'running'])));
    await services.exportQueue?.cancelled(exportId);
  }
  return exportStatus(services, identity, exportId);
}

/** A short-lived signed link to the file; the route checks it again, with the user's access, on download. */
export async function downloadExport(
  services: Services,
  identity: Identity,
  exportId: string,
  baseUrl: string,
) {
  const found = await findVisibleExport(services, identity, exportId);
  assertDownloadable(found);
  const expiresAt = new Date(Date.now() + downloadTokenLifetimeMs);
  const token = signDownloadToken(services.env.APP_SECRET, { exportId, userId: identity.user.id, expiresAt });
  const type = fileTypeOf(found.format, found.fileName?.endsWith('.ndjson') ?? false);
  return {
    url: `${baseUrl.replace(/\/$/, '')}/api/exports/${exportId}/download?token=${encodeURIComponent(token)}`,
    fileName: found.fileName ?? `export.${type.extension}`,
    contentType: found.contentType ?? type.contentType,
    size: found.fileSize ?? 0,
    expiresAt: expiresAt.toISOString(),
  };
}

/** EXPORT_EXPIRED when the file is gone, EXPORT_NOT_READY when there is no file yet (or never will be). */
export function assertDownloadable(found: ExportWithRequester): void {
  const expired =
    found.status === 'expired' ||
    (found.status === 'completed' && found.expiresAt !== null && found.expiresAt.getTime() <= Date.now());
  if (expired) {
    throw new ApiError('EXPORT_EXPIRED', 'Export file has expired', {
      expired_at: found.expiresAt?.toISOString() ?? null,
    });
  }
  if (found.status !== 'completed' || !found.storageKey) {
    const summary = toExportSummary(found);
    const message =
      found.status === 'failed'
        ? 'Export failed, there is no file'
        : found.status === 'cancelled'
          ? 'Export was cancelled, there is no file'
          : `Export is still ${found.status}`;
    throw new ApiError('EXPORT_NOT_READY', message, { status: found.status, percent: summary.percent });
  }
}

/** The caller's history, newest first (an admin's is the workspace's); keyset cursor on (created_at, id). */
export async function listExports(
  services: Services,
  identity: Identity,
  input: z.output<typeof ListExportsInput>,
): Promise<{ exports: ExportSummary[]; nextCursor: string | null }> {
  let after: SQL | undefined;
  if (input.cursor) {
    const [createdAt, id, ...rest] = Buffer.from(input.cursor, 'base64url').toString('utf8').split('|');
    const at = new Date(createdAt ?? '');
    // Checked whole: a forged id would otherwise reach Postgres's uuid cast (a 500).
    if (!id || rest.length || !RecordId.safeParse(id).success || Number.isNaN(at.getTime()))
      throw new ApiError('VALIDATION_ERROR', 'The cursor is not valid', {
        issues: [{ path: 'cursor', message: 'not a cursor returned by listExports' }],
      });
    after = or(lt(exports.createdAt, at), and(eq(exports.createdAt, at), lt(exports.id, id)));
  }
  const requester = input.requestedBy ? `%${escapeLike(input.requestedBy)}%` : undefined;
  const rows = await selectExportsWithRequester(services.database.db)
    .where(
      and(
        visibleTo(scopeOf(identity)),
        after,
        input.object ? eq(exports.object, input.object) : undefined,
        input.format ? eq(exports.format, input.format) : undefined,
        input.status ? eq(exports.status, input.status) : undefined,
        requester ? or(ilike(users.name, requester), ilike(users.email, requester)) : undefined,
      ),
    )
    .orderBy(desc(exports.createdAt), desc(exports.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit).map(withRequester);
  const last = page.at(-1);
  return {
    exports: await summariesOf(services, page),
    nextCursor:
      rows.length > input.limit && last
        ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
        : null,
  };
}
