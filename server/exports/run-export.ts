import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Role } from '../../shared/auth';
import type { ExportFormat } from '../../shared/exports';
import type { Database } from '../db/database';
import { ApiError } from '../errors/api-error';
import { type ExportRequest, planExport } from './export-plan';
import type { RecordSource } from './record-source';
import type { ExportStorage, StoredFile } from './storage/export-storage';
import { fileTypeOf, writerFactories } from './writers';
import { isoInZone } from './writers/cell-values';

export type ExportEvent = 'export.completed' | 'export.failed';

export interface RunnerDeps {
  database: Database;
  logger: Logger;
  storage: ExportStorage;
  source: RecordSource;
  /** Seconds without a heartbeat after which a running export counts as abandoned. */
  leaseSeconds: number;
  batchSize: number;
  concurrencyPerWorkspace: number;
  ttlMs: number;
  /** Slows every batch down (demos and the worker-crash test); 0 in normal use. */
  throttleMs: number;
  notify(exportId: string, event: ExportEvent): Promise<void>;
  /** Whether a cancel of this export has been signalled to this process. */
  isCancelled(exportId: string): boolean;
}

/** What the job should do next: done (whatever the result), or try again shortly (no free slot, or leased). */
export type RunOutcome = 'done' | 'retry-later';

interface Claimed {
  id: string;
  attempts: number;
  workspace_id: string;
  user_id: string;
  format: ExportFormat;
  request: ExportRequest;
  role: Role;
}

/** Raised inside the read loop when the export was cancelled or taken over by another worker. */
class ExportStopped extends Error {}

function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/** The storage key of one attempt's file: attempts never share a file, so a stale worker cannot clobber. */
export function storageKeyOf(
  workspaceId: string,
  exportId: string,
  attempt: number,
  extension: string,
): string {
  return `${workspaceId}/${exportId}/attempt-${attempt}.${extension}`;
}

/**
 * Takes the export if it is queued (or running under an expired lease) and its workspace has a free
 * slot. The count and the update run under a per-workspace advisory lock on Postgres, so two workers
 * cannot both take the last slot. Each claim bumps `attempts`: it is the fencing token every later
 * write of this run is conditioned on.
 */
async function claim(deps: RunnerDeps, exportId: string): Promise<Claimed | 'busy' | 'gone'> {
  const { database, leaseSeconds, concurrencyPerWorkspace } = deps;
  const claimed = await database.db.transaction(async (tx) => {
    if (database.kind === 'postgres') {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended('exports:' || (select workspace_id::text from exports where id = ${exportId}), 0))`,
      );
    }
    const result = await tx.execute(sql`
      update exports set status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now(),
        processed_rows = 0, error = null
      where id = ${exportId}
        and (status = 'queued' or (status = 'running' and updated_at < now() - make_interval(secs => ${leaseSeconds})))
        and (select count(*) from exports other
             where other.workspace_id = exports.workspace_id and other.id <> exports.id and other.status = 'running'
               and other.updated_at >= now() - make_interval(secs => ${leaseSeconds})) < ${concurrencyPerWorkspace}
      returning id, attempts, workspace_id, user_id, format, request,
        (select role from users where users.id = exports.user_id) as role`);
    return rowsOf<Claimed>(result)[0];
  });
  if (claimed) return claimed;
  const [current] = await database.query<{ status: string }>('select status from exports where id = $1', [
    exportId,
  ]);
  return !current || (current.status !== 'queued' && current.status !== 'running') ? 'gone' : 'busy';
}

async function markFailed(deps: RunnerDeps, claimed: Claimed, error: unknown): Promise<boolean> {
  const known = error instanceof ApiError;
  const body = known
    ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
    : { code: 'INTERNAL_SERVER_ERROR', message: 'The export failed unexpectedly' };
  const rows = await deps.database.query(
    `update exports set status = 'failed', error = $3::jsonb, finished_at = now(), updated_at = now()
     where id = $1 and attempts = $2 and status = 'running' returning id`,
    [claimed.id, claimed.attempts, JSON.stringify(body)],
  );
  return rows.length > 0;
}

/** One export job: claim, read the snapshot in batches into the writer, store the file, mark completed. */
export async function runExport(deps: RunnerDeps, exportId: string): Promise<RunOutcome> {
  const taken = await claim(deps, exportId);
  if (taken === 'gone') return 'done';
  if (taken === 'busy') return 'retry-later';
  const claimed = taken;
  const { database, storage, logger } = deps;
  const log = logger.child({ export_id: exportId, attempt: claimed.attempts });
  const request = claimed.request;
  const type = fileTypeOf(claimed.format, request.options?.jsonLines ?? false);
  const key = storageKeyOf(claimed.workspace_id, exportId, claimed.attempts, type.extension);
  // Earlier attempts died (or were cancelled mid-way): their partial uploads go.
  for (let attempt = 1; attempt < claimed.attempts; attempt++)
    await storage.delete(storageKeyOf(claimed.workspace_id, exportId, attempt, type.extension));

  let heartbeat: NodeJS.Timeout | undefined;
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  let stored: Promise<StoredFile> | undefined;
  try {
    const startedAt = new Date();
    const plan = await planExport(
      database.db,
      { workspaceId: claimed.workspace_id, userId: claimed.user_id, role: claimed.role },
      request,
      database.kind === 'pglite' ? { createdBefore: startedAt } : undefined,
    );
    const fileName = `${plan.object}-${isoInZone(startedAt.toISOString(), plan.options.timezone).slice(0, 10)}.${type.extension}`;
    stored = storage.put(key, body);
    stored.catch(() => {}); // awaited below; a failure before then must not be unhandled
    const writer = writerFactories[claimed.format](body, {
      ...plan.options,
      title: plan.title,
      summary: plan.summary,
    });

    let processed = 0;
    let lastWrite = 0;
    let stopped = false;
    // Conditional on the attempt and status: false once cancelled or taken over by another worker.
    const reportProgress = async (): Promise<boolean> => {
      const rows = await database.query(
        `update exports set processed_rows = $3, updated_at = now()
         where id = $1 and attempts = $2 and status = 'running' returning id`,
        [exportId, claimed.attempts, processed],
      );
      lastWrite = Date.now();
      return rows.length > 0;
    };
    heartbeat = setInterval(
      () => {
        reportProgress()
          .then((ours) => {
            if (!ours) stopped = true;
          })
          .catch((error: unknown) => log.warn({ err: error }, 'export heartbeat failed'));
      },
      Math.max(1000, (deps.leaseSeconds * 1000) / 3),
    );

    await writer.writeHeader(plan.columns);
    await deps.source.read({
      object: plan.object,
      query: plan.query,
      attributes: plan.attributes,
      batchSize: deps.batchSize,
      onTotal: async (total) => {
        await database.query('update exports set total_rows = $3 where id = $1 and attempts = $2', [
          exportId,
          claimed.attempts,
          total,
        ]);
      },
      onBatch: async (rows) => {
        await writer.writeRows(rows);
        processed += rows.length;
        // A cancel is heard through a signal before the next batch; the row itself is checked (and
        // the progress written) every 250 ms, which also notices a takeover by another worker.
        if (deps.isCancelled(exportId) || stopped) throw new ExportStopped();
        if (Date.now() - lastWrite >= 250 && !(await reportProgress())) throw new ExportStopped();
        if (deps.throttleMs) await sleep(deps.throttleMs);
      },
    });
    await writer.finish();
    const file = await stored;
    clearInterval(heartbeat);
    const completed = await database.query(
      `update exports set status = 'completed', processed_rows = $3, total_rows = $3, file_name = $4,
         storage_key = $5, content_type = $6, file_size = $7, sha256 = $8, finished_at = now(), updated_at = now(),
         expires_at = now() + make_interval(secs => $9)
       where id = $1 and attempts = $2 and status = 'running' returning id`,
      [
        exportId,
        claimed.attempts,
        processed,
        fileName,
        key,
        type.contentType,
        file.size,
        file.sha256,
        deps.ttlMs / 1000,
      ],
    );
    if (!completed.length) {
      // Cancelled (or taken over) between the last batch and now: the file is not ours to publish.
      await storage.delete(key);
      return 'done';
    }
    log.info({ rows: processed, bytes: file.size }, 'export completed');
    await deps.notify(exportId, 'export.completed');
    return 'done';
  } catch (error) {
    clearInterval(heartbeat);
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    await stored?.catch(() => {});
    await storage.delete(key);
    if (error instanceof ExportStopped) {
      log.info('export stopped: cancelled or taken over');
      return 'done';
    }
    if (!(error instanceof ApiError)) log.error({ err: error }, 'export failed');
    if (await markFailed(deps, claimed, error)) await deps.notify(exportId, 'export.failed');
    return 'done';
  }
}
