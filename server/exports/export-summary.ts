import { eq } from 'drizzle-orm';
import { exports, users } from '../../drizzle/schema';
import { type ExportSummary, StartExportInput } from '../../shared/exports';
import type { Db } from '../db/database';

export type ExportRow = typeof exports.$inferSelect;
export type ExportWithRequester = ExportRow & { requester: { id: string; name: string; email: string } };

/** The columns of `exportSummary`: the export and who asked for it, by primary key. One indexed read. */
export const summarySelection = {
  export: exports,
  requester: { id: users.id, name: users.name, email: users.email },
};

export function selectExportsWithRequester(db: Db) {
  return db.select(summarySelection).from(exports).innerJoin(users, eq(users.id, exports.userId));
}

export function withRequester(row: {
  export: ExportRow;
  requester: ExportWithRequester['requester'];
}): ExportWithRequester {
  return { ...row.export, requester: row.requester };
}

/** ETA from the observed rate: rows done over the time between start and the last progress write. */
export function etaSeconds(row: ExportRow): number | null {
  if (row.status !== 'running' || !row.startedAt || row.totalRows == null || row.processedRows <= 0)
    return null;
  const elapsedMs = row.updatedAt.getTime() - row.startedAt.getTime();
  if (elapsedMs <= 0) return null;
  const remaining = Math.max(0, row.totalRows - row.processedRows);
  return Math.round((remaining / row.processedRows) * (elapsedMs / 1000) * 10) / 10;
}

export function percentOf(row: ExportRow): number {
  if (row.status === 'completed' || row.status === 'expired') return 100;
  if (!row.totalRows) return 0;
  return Math.min(100, Math.floor((row.processedRows / row.totalRows) * 1000) / 10);
}

/**
 * `queuePosition` comes from `queuePositions` (export-queue.ts): it depends on the other queued exports;
 * `noWorkerAlive` from `aliveWorkerCount` (worker-heartbeat.ts).
 */
export function toExportSummary(
  row: ExportWithRequester,
  queuePosition: number | null = null,
  noWorkerAlive = false,
): ExportSummary {
  const request = StartExportInput.safeParse(row.request);
  const error = row.error as ExportSummary['error'];
  return {
    id: row.id,
    object: row.object,
    format: row.format,
    status: row.status,
    processedRows: row.processedRows,
    totalRows: row.totalRows,
    percent: percentOf(row),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    etaSeconds: etaSeconds(row),
    fileName: row.fileName,
    fileSize: row.fileSize,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    requestedBy: row.requester,
    request: request.success ? request.data : { object: row.object, format: row.format },
    error: error
      ? {
          code: String(error.code),
          message: String(error.message),
          ...(error.details ? { details: error.details } : {}),
        }
      : null,
    requestId: row.requestId,
    queuePosition: row.status === 'queued' ? queuePosition : null,
    waitingForWorker: row.status === 'queued' && noWorkerAlive,
    scheduleId: row.scheduleId,
  };
}
