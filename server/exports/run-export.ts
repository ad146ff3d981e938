import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { errorCatalog } from '../../shared/errors';
import type { Database } from '../db/database';
import { ApiError } from '../errors/api-error';
import { planExport } from './export-plan';
import { type ClaimedExport, maxExportAttempts } from './export-queue';
import { databaseKnowsZone } from './formatted/zone-support';
import type { RecordSource } from './record-source';
import type { ExportStorage, StoredFile } from './storage/export-storage';
import { fileTypeOf, writerFactories } from './writers';
import { isoInZone } from './writers/cell-values';
import type { FormattedRowsInput } from './writers/export-writer';

export type ExportEvent = 'export.completed' | 'export.failed';

export interface RunnerDeps {
  database: Database;
  logger: Logger;
  storage: ExportStorage;
  source: RecordSource;
  /** Seconds without a heartbeat after which a running export counts as abandoned. */
  leaseSeconds: number;
  /** Seconds without a processed row after which a running export is failed (EXPORT_STALLED). */
  stallSeconds: number;
  batchSize: number;
  /** Rows per COPY when the database formats them on PGlite (default `batchSize`). */
  formattedPageRows?: number;
  ttlMs: number;
  /** Slows every batch down (demos and the worker-crash test); 0 in normal use. */
  throttleMs: number;
  notify(exportId: string, event: ExportEvent): Promise<void>;
  /** Whether a cancel of this export has been signalled to this process. */
  isCancelled(exportId: string): boolean;
  /** Times an export is started before it fails (EXPORT_MAX_ATTEMPTS; default maxExportAttempts). */
  maxAttempts?: number;
}

/**
 * How a run ended: `completed` or `failed` (terminal, notified), `stopped` (cancelled or taken over by
 * another worker: nothing to do), `requeued` (queued again: the process is stopping, or the database
 * connection dropped and the export has attempts left).
 */
export type RunOutcome = 'completed' | 'failed' | 'stopped' | 'requeued';

/** The run was cancelled or taken over by another worker. */
class ExportStopped extends Error {}
/** The process is stopping: the export goes back to the queue for another worker. */
class ExportInterrupted extends Error {}

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
 * Ends a run from outside its awaits. Every step of a run is raced against it, so a part that stops
 * answering (storage that never reads the body, a writer waiting for a drain that never comes, a
 * database that never replies) cannot keep the run, and its heartbeat, alive: the first failure wins.
 *
 * A guard's hold on the halt ends with its step. (`Promise.race` against one halt promise would leave
 * a reaction on it per step until the run ended: a few thousand per million rows.)
 */
export function createHalt() {
  let reason: { error: unknown } | undefined;
  const waiting = new Set<(error: unknown) => void>();
  const controller = new AbortController();
  return {
    signal: controller.signal,
    get reason() {
      return reason?.error;
    },
    /** Steps being raced against the halt now. */
    get waiting() {
      return waiting.size;
    },
    fail(error: unknown) {
      if (reason) return;
      reason = { error };
      for (const stop of waiting) stop(error);
      waiting.clear();
      controller.abort(error);
    },
    guard<T>(step: Promise<T>): Promise<T> {
      if (reason) {
        step.catch(() => {}); // the run already failed; the step's own end no longer matters
        return Promise.reject(reason.error);
      }
      return new Promise<T>((resolve, reject) => {
        waiting.add(reject);
        step.then(
          (value) => {
            waiting.delete(reject);
            resolve(value);
          },
          (error: unknown) => {
            waiting.delete(reject);
            reject(error);
          },
        );
      });
    },
  };
}

/** postgres.js and Node errors that mean the connection was lost, not that the query was wrong. */
const lostConnectionCodes = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);
export function isLostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // SQLSTATE class 08 (connection exception) and 57P01–57P03 (terminated by an administrator, crash, …).
  return lostConnectionCodes.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code);
}

function storageFailed(): ApiError {
  return new ApiError('EXPORT_STORAGE_ERROR', 'The export file could not be stored', { retryable: true });
}

function bodyOf(error: unknown) {
  return error instanceof ApiError
    ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
    : { code: 'INTERNAL_SERVER_ERROR', message: 'The export failed unexpectedly' };
}

async function markFailed(
  deps: RunnerDeps,
  claimed: ClaimedExport,
  error: unknown,
  processed: number,
): Promise<boolean> {
  const rows = await deps.database.query(
    `update exports set status = 'failed', error = $3::jsonb, processed_rows = $4, finished_at = now(),
       updated_at = now()
     where id = $1 and attempts = $2 and status = 'running' returning id`,
    [claimed.id, claimed.attempts, JSON.stringify(bodyOf(error)), processed],
  );
  return rows.length > 0;
}

/** Back to `queued` (the next claim starts it from scratch, as attempt n + 1). */
async function requeue(deps: RunnerDeps, claimed: ClaimedExport): Promise<boolean> {
  const rows = await deps.database.query(
    `update exports set status = 'queued', processed_rows = 0, started_at = null, updated_at = now()
     where id = $1 and attempts = $2 and status = 'running' returning id`,
    [claimed.id, claimed.attempts],
  );
  return rows.length > 0;
}

/** Settles `promise` or gives up after `ms`: cleanup must not wait on a part that stopped answering. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    promise.catch(() => {}),
    sleep(ms, undefined, { signal: timer.signal }).catch(() => {}),
  ]);
  timer.abort();
}

/**
 * One claimed export: read the snapshot in batches into the writer, store the file, mark completed.
 * Whatever fails (storage, the database, the writer, a watchdog-detected stall) ends it `failed` with a
 * structured error and a log line with the cause, or queued again when the database connection was
 * lost and attempts are left. `shutdown` aborts the run and queues the export again.
 */
export async function runExport(
  deps: RunnerDeps,
  claimed: ClaimedExport,
  shutdown?: AbortSignal,
): Promise<RunOutcome> {
  const exportId = claimed.id;
  const { database, storage, logger } = deps;
  const log = logger.child({ export_id: exportId, attempt: claimed.attempts });
  const request = claimed.request;
  const type = fileTypeOf(claimed.format, request.options?.jsonLines ?? false);
  const key = storageKeyOf(claimed.workspace_id, exportId, claimed.attempts, type.extension);
  const halt = createHalt();
  const onShutdown = () => halt.fail(new ExportInterrupted());
  if (shutdown?.aborted) onShutdown();
  shutdown?.addEventListener('abort', onShutdown, { once: true });

  const timers: NodeJS.Timeout[] = [];
  const stopTimers = () => {
    for (const timer of timers) clearInterval(timer);
  };
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  // Destroying the body on failure emits its error; the run already holds it (storage may not listen).
  body.on('error', () => {});
  // The error this run destroys the body with: storage rejecting with anything else failed on its own.
  let bodyError: Error | undefined;
  let storageError: { error: unknown } | undefined;
  let stored: Promise<StoredFile> | undefined;
  let processed = 0;
  let outcome: RunOutcome;
  let formatted: FormattedRowsInput | undefined;
  try {
    // Earlier attempts died (or were cancelled mid-way): their partial uploads go.
    for (let attempt = 1; attempt < claimed.attempts; attempt++) {
      const earlier = storageKeyOf(claimed.workspace_id, exportId, attempt, type.extension);
      await halt
        .guard(storage.delete(earlier))
        .catch((error: unknown) =>
          log.warn({ err: error, key: earlier }, "could not delete an earlier attempt's file"),
        );
    }
    const startedAt = new Date();
    const plan = await halt.guard(
      planExport(
        database.db,
        { workspaceId: claimed.workspace_id, userId: claimed.user_id, role: claimed.role },
        request,
        database.kind === 'pglite' ? { createdBefore: startedAt } : undefined,
      ),
    );
    const fileName = `${plan.object}-${isoInZone(startedAt.toISOString(), plan.options.timezone).slice(0, 10)}.${type.extension}`;
    stored = storage.put(key, body);
    // Storage can fail before it reads a byte (EXPORT_DIR unwritable): nobody would drain the body then.
    stored.catch((error: unknown) => {
      if (error === bodyError) return;
      storageError = { error };
      halt.fail(storageFailed());
    });
    const writer = writerFactories[claimed.format](body, {
      ...plan.options,
      title: plan.title,
      summary: plan.summary,
    });

    let lastWrite = 0;
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
    timers.push(
      setInterval(
        () => {
          reportProgress()
            .then((ours) => {
              if (!ours) halt.fail(new ExportStopped());
            })
            .catch((error: unknown) => log.warn({ err: error }, 'export heartbeat failed'));
        },
        Math.max(1000, (deps.leaseSeconds * 1000) / 3),
      ),
    );
    // The heartbeat keeps the lease as long as this process lives, so a run that stopped moving would
    // hold its slot forever: the watchdog ends it once its processed rows stood still too long.
    const stallMs = deps.stallSeconds * 1000;
    let movedAt = Date.now();
    let lastSeen = processed;
    timers.push(
      setInterval(
        () => {
          if (processed !== lastSeen) {
            lastSeen = processed;
            movedAt = Date.now();
          } else if (Date.now() - movedAt >= stallMs) {
            halt.fail(
              new ApiError('EXPORT_STALLED', `The export made no progress for ${deps.stallSeconds} seconds`, {
                stalled_seconds: deps.stallSeconds,
                processed_rows: processed,
              }),
            );
          }
        },
        Math.min(5000, stallMs / 4),
      ),
    );

    await halt.guard(writer.writeHeader(plan.columns));
    const onTotal = async (total: number) => {
      await halt.guard(
        database.query('update exports set total_rows = $3 where id = $1 and attempts = $2', [
          exportId,
          claimed.attempts,
          total,
        ]),
      );
    };
    const afterRows = async (count: number) => {
      processed += count;
      // A cancel is heard through a signal before the next batch; the row itself is checked (and
      // the progress written) every 250 ms, which also notices a takeover by another worker.
      if (deps.isCancelled(exportId)) throw new ExportStopped();
      if (Date.now() - lastWrite >= 250 && !(await halt.guard(reportProgress()))) throw new ExportStopped();
      if (deps.throttleMs) await halt.guard(sleep(deps.throttleMs));
    };
    formatted =
      writer.formatted && (await halt.guard(databaseKnowsZone(database, plan.options.timezone)))
        ? writer.formatted
        : undefined;
    if (formatted) {
      // CSV and JSON come out of the database formatted; the file gets its bytes as they are.
      const input = formatted;
      await halt.guard(
        deps.source.readFormatted({
          query: plan.query,
          attributes: plan.attributes,
          format: input.format,
          style: {
            timezone: plan.options.timezone,
            values: plan.options.values,
            timestamps: plan.options.dateFormat,
          },
          delimiter: plan.options.delimiter,
          terminator: input.terminator,
          batchSize: deps.batchSize,
          pageRows: deps.formattedPageRows ?? deps.batchSize,
          signal: halt.signal,
          onTotal,
          onRows: async (rows) => {
            await halt.guard(input.write(rows.bytes));
            await afterRows(rows.rows);
          },
        }),
      );
    } else {
      await halt.guard(
        deps.source.read({
          object: plan.object,
          query: plan.query,
          attributes: plan.attributes,
          batchSize: deps.batchSize,
          signal: halt.signal,
          onTotal,
          onBatch: async (rows) => {
            await halt.guard(writer.writeRows(rows));
            await afterRows(rows.length);
          },
        }),
      );
    }
    await halt.guard(writer.finish());
    const file = await halt.guard(stored);
    // From here on nothing may halt the run: the file is complete and the row is about to say so.
    stopTimers();
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
    if (completed.length) {
      log.info(
        { rows: processed, bytes: file.size, formatted_by: formatted ? 'database' : 'writer' },
        'export completed',
      );
      outcome = 'completed';
    } else {
      // Cancelled (or taken over) between the last batch and now: the file is not ours to publish.
      await storage
        .delete(key)
        .catch((error: unknown) => log.warn({ err: error }, 'could not delete the file'));
      outcome = 'stopped';
    }
  } catch (error) {
    stopTimers();
    bodyError = error instanceof Error ? error : new Error(String(error));
    body.destroy(bodyError);
    if (stored) await settledWithin(stored, 2000);
    await settledWithin(
      storage.delete(key).catch((deleteError: unknown) => {
        if (!storageError) log.warn({ err: deleteError }, "could not delete the failed attempt's file");
      }),
      5000,
    );
    // The first cause wins: a storage failure also breaks the writer (its body is destroyed), and a
    // halted run's awaits reject with the halt's reason, whatever they were doing.
    const reason = halt.reason ?? error;
    outcome = await settle(deps, claimed, log, reason, storageError, processed);
  } finally {
    shutdown?.removeEventListener('abort', onShutdown);
  }
  if (outcome === 'completed' || outcome === 'failed') {
    const event: ExportEvent = outcome === 'completed' ? 'export.completed' : 'export.failed';
    // The export's state is final whatever happens to its notification.
    await deps
      .notify(exportId, event)
      .catch((error: unknown) => log.error({ err: error, event }, 'could not queue the export notification'));
  }
  return outcome;
}

/** What a failed run leaves behind: nothing (stopped), the export queued again, or `failed` with its error. */
async function settle(
  deps: RunnerDeps,
  claimed: ClaimedExport,
  log: Logger,
  reason: unknown,
  storageError: { error: unknown } | undefined,
  processed: number,
): Promise<RunOutcome> {
  if (reason instanceof ExportStopped) {
    log.info('export stopped: cancelled or taken over');
    return 'stopped';
  }
  if (reason instanceof ExportInterrupted) {
    log.info('export interrupted by shutdown; queued again');
    return (await requeue(deps, claimed)) ? 'requeued' : 'stopped';
  }
  if (
    !storageError &&
    isLostConnection(reason) &&
    claimed.attempts < (deps.maxAttempts ?? maxExportAttempts)
  ) {
    log.warn({ err: reason, processed_rows: processed }, 'export lost its database connection; queued again');
    return (await requeue(deps, claimed)) ? 'requeued' : 'stopped';
  }
  const failure = storageError ? storageFailed() : reason;
  const code = failure instanceof ApiError ? failure.code : 'INTERNAL_SERVER_ERROR';
  // The structured error is what the user sees; the log line keeps the cause for operators. A request
  // the data no longer allows (a view deleted since, say) is the user's to fix: a warning, not an error.
  const entry = { err: storageError ? storageError.error : reason, code, processed_rows: processed };
  if (errorCatalog[code].status >= 500) log.error(entry, 'export failed');
  else log.warn(entry, 'export failed');
  return (await markFailed(deps, claimed, failure, processed)) ? 'failed' : 'stopped';
}
