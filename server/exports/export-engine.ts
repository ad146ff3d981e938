import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppServices, ExportQueue } from '../context';
import { ttlToMs } from '../env';
import { observeDelivery, observeExportRun } from '../metrics/metrics';
import { expireExports } from './expire-exports';
import { type ClaimedExport, claimNextExport, failExhaustedExports } from './export-queue';
import { createExportSignals } from './export-signals';
import { loadExportSummary } from './export-summary-loader';
import { createMailer, exportEmail } from './notify/export-email';
import { workWebhookQueue } from './notify/webhook-worker';
import { pgliteBossDb } from './pg-boss-db';
import { createRecordSource } from './record-source';
import { type ExportEvent, type RunnerDeps, runExport } from './run-export';
import { type ExportStorage, exportStorageFor } from './storage';
import { deleteAttemptFiles } from './storage/attempt-files';
import { startWorkerHeartbeat } from './worker-heartbeat';

export const queues = {
  email: 'export-email',
  webhook: 'export-webhook',
  expire: 'export-expire',
} as const;

export interface ExportEngineOptions {
  /** Run export jobs in this process (npm start, npm run worker); false only queues them (a web-only node). */
  workers?: boolean;
  /** Exports this process runs at once (default EXPORT_WORKERS; the per-workspace limit holds across processes). */
  workerCount?: number;
  /**
   * How often idle workers look at the queue without being woken (new exports wake them at once), and
   * pg-boss's polling interval; tests use a short one. Abandoned exports are found by this look too.
   */
  pollingIntervalSeconds?: number;
  /** Where files go (default: EXPORT_DIR); tests pass a failing one. */
  storage?: ExportStorage;
}

export interface ExportEngine extends ExportQueue {
  storage: ExportStorage;
  /** Deletes expired files and marks their exports `expired` (the scheduled job runs it every minute). */
  expireNow(): Promise<number>;
  stop(): Promise<void>;
}

/** The largest batch an export reads on PGlite (see the engine's `batchSize`). */
export const pgliteBatchRows = 250;

/**
 * Rows per page when PGlite formats a CSV or JSON export itself (one COPY to a blob per page), which holds
 * the web's thread for its whole COPY. Measured reading 200k people (rows/s, page time p50 / max):
 * 1,000-row pages 33k, 28 / 283 ms; 2,000 50–51k, 38 / 97 ms; 3,000 51k, 54 / 290 ms; 4,000 57k,
 * 65 / 123 ms; 5,000 55k, 94 / 150 ms. End to end: `npm run bench:responsiveness -- --only pglite`.
 */
export const pgliteFormattedPageRows = 4000;

interface NotifyJob {
  exportId: string;
  event: ExportEvent;
}

/**
 * The export engine: export workers taking exports from the `exports` table in a fair order
 * (export-queue.ts), and pg-boss on the app's database (Postgres, or PGlite through its `db` adapter)
 * for notifications and the expiry schedule. Sets `services.exportQueue` so startExport can wake workers.
 */
export async function startExportEngine(
  services: AppServices,
  options: ExportEngineOptions = {},
): Promise<ExportEngine> {
  const { env, database, logger } = services;
  const log = logger.child({ component: 'exports' });
  const polling = options.pollingIntervalSeconds ?? 1;
  const boss =
    database.kind === 'pglite' && database.pglite
      ? new PgBoss({ db: pgliteBossDb(database.pglite), schema: 'pgboss', supervise: true, schedule: true })
      : new PgBoss({
          connectionString: database.url,
          schema: 'pgboss',
          max: 4,
          application_name: 'crm-export-jobs',
        });
  boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
  await boss.start();
  await boss.createQueue(queues.email, {
    name: queues.email,
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
  });
  await boss.createQueue(queues.webhook, {
    name: queues.webhook,
    retryLimit: 8,
    retryDelay: 2,
    retryBackoff: true,
  });
  await boss.createQueue(queues.expire, { name: queues.expire, retryLimit: 1 });

  const storage = options.storage ?? exportStorageFor(env);
  const workerCount = options.workerCount ?? env.EXPORT_WORKERS;
  const source = createRecordSource(database, workerCount);
  const ttlMs = ttlToMs(env.EXPORT_TTL);
  const mailer = createMailer(env, log);

  const signals = createExportSignals(database);
  const queue: ExportQueue = {
    // The export row is the job: queueing one only wakes the workers (here, and in other processes).
    async enqueue() {
      await signals.send('job');
    },
    async cancelled(exportId) {
      await signals.send('cancel', exportId);
    },
  };
  // Cancelled exports this process heard of, so a running job stops before its next batch. Entries of
  // exports that ran elsewhere are dropped after an hour.
  const cancelledAt = new Map<string, number>();
  services.exportQueue = queue;

  async function notify(exportId: string, event: ExportEvent): Promise<void> {
    const row = await database.query<{ request: { notify?: { email?: boolean; webhookUrl?: string } } }>(
      'select request from exports where id = $1',
      [exportId],
    );
    const wanted = row[0]?.request.notify;
    if (wanted?.email) await boss.send(queues.email, { exportId, event } satisfies NotifyJob);
    if (wanted?.webhookUrl) await boss.send(queues.webhook, { exportId, event } satisfies NotifyJob);
  }

  const deps: RunnerDeps = {
    database,
    logger: log,
    storage,
    source,
    leaseSeconds: env.EXPORT_LEASE_SECONDS,
    stallSeconds: env.EXPORT_STALL_SECONDS,
    // PGlite runs on the web's thread and its queries block it: a page of 1,000 people held it ~140 ms
    // (a loaded 2-core machine), a page of 250 ~36 ms, at the same cost per row. Requests wait at most
    // one page per query of theirs, so PGlite reads smaller pages.
    batchSize:
      database.kind === 'pglite' ? Math.min(env.EXPORT_BATCH_SIZE, pgliteBatchRows) : env.EXPORT_BATCH_SIZE,
    formattedPageRows: pgliteFormattedPageRows,
    ttlMs,
    throttleMs: env.EXPORT_THROTTLE_MS,
    notify,
    isCancelled: (exportId) => cancelledAt.has(exportId),
    maxAttempts: env.EXPORT_MAX_ATTEMPTS,
  };

  let dispatcher: ReturnType<typeof startDispatcher> | undefined;
  if (options.workers !== false) {
    dispatcher = startDispatcher({
      slots: workerCount,
      pollMs: polling * 1000,
      log,
      async claim() {
        for (const id of await failExhaustedExports(
          database,
          env.EXPORT_LEASE_SECONDS,
          env.EXPORT_MAX_ATTEMPTS,
        )) {
          log.error({ export_id: id }, 'export abandoned too many times; failed');
          // Its last worker may have died after storing the file: nothing would delete it otherwise.
          await deleteAttemptFiles(database, storage, id).catch((error: unknown) =>
            log.warn({ err: error, export_id: id }, "could not delete a failed export's files"),
          );
          await notify(id, 'export.failed');
        }
        return claimNextExport(database, {
          leaseSeconds: env.EXPORT_LEASE_SECONDS,
          concurrencyPerWorkspace: env.EXPORT_CONCURRENCY_PER_WORKSPACE,
        });
      },
      async run(claimed, shutdown) {
        try {
          return await observeExportRun(
            database,
            claimed,
            () => runExport(deps, claimed, shutdown),
            () => cancelledAt.has(claimed.id),
          );
        } finally {
          cancelledAt.delete(claimed.id);
        }
      },
    });
    const running = dispatcher;
    await signals.on('job', () => running.wake());
    await signals.on('cancel', (exportId) => {
      const now = Date.now();
      for (const [id, at] of cancelledAt) if (now - at > 3_600_000) cancelledAt.delete(id);
      cancelledAt.set(exportId, now);
    });
    await boss.work<NotifyJob>(
      queues.email,
      { batchSize: 1, pollingIntervalSeconds: polling },
      async ([job]) => {
        if (!job) return;
        const summary = await loadExportSummary(database, job.data.exportId);
        if (!summary) return;
        const message = exportEmail(summary, job.data.event, env.APP_URL);
        await observeDelivery('email', () => mailer.send({ to: summary.requestedBy.email, ...message }));
      },
    );
    await workWebhookQueue(boss, queues.webhook, {
      database,
      env,
      logger: log,
      pollingIntervalSeconds: polling,
    });
    await boss.work(
      queues.expire,
      { batchSize: 1, pollingIntervalSeconds: Math.max(polling, 5) },
      async () => {
        await expireExports(database, storage, log);
      },
    );
    await boss.schedule(queues.expire, '* * * * *');
  }
  // Web processes tell a queued export that no worker is alive (exportStatus's waitingForWorker).
  const heartbeat = dispatcher
    ? await startWorkerHeartbeat(database, { slots: workerCount, logger: log })
    : undefined;
  log.info({ workers: options.workers !== false, workerCount, host: hostname() }, 'export engine started');

  return {
    ...queue,
    storage,
    expireNow: () => expireExports(database, storage, log),
    async stop() {
      if (services.exportQueue === queue) services.exportQueue = undefined;
      // Running exports go back to the queue at once (another worker, or the next start, takes them).
      await dispatcher?.stop();
      await heartbeat?.stop();
      await signals.close();
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      await source.close();
    },
  };
}

/**
 * Keeps up to `slots` exports running in this process: whenever a slot is free it claims the next
 * export (woken by a new export or a finished one, or every `pollMs`, which also finds abandoned ones).
 */
function startDispatcher(options: {
  slots: number;
  pollMs: number;
  log: Logger;
  claim(): Promise<ClaimedExport | undefined>;
  run(claimed: ClaimedExport, shutdown: AbortSignal): Promise<unknown>;
}) {
  const shutdown = new AbortController();
  const active = new Set<Promise<unknown>>();
  let woken = false;
  let wakeUp = () => {};
  const wake = () => {
    woken = true;
    wakeUp();
  };
  const loop = (async () => {
    while (!shutdown.signal.aborted) {
      woken = false;
      while (active.size < options.slots && !shutdown.signal.aborted) {
        const claimed = await options.claim().catch((error: unknown) => {
          options.log.warn({ err: error }, 'could not look for exports to run');
          return undefined;
        });
        if (!claimed) break;
        const run: Promise<unknown> = options
          .run(claimed, shutdown.signal)
          .catch((error: unknown) =>
            options.log.error({ err: error, export_id: claimed.id }, 'export run failed to settle'),
          )
          .finally(() => {
            active.delete(run);
            wake();
          });
        active.add(run);
      }
      if (woken || shutdown.signal.aborted) continue;
      const timer = new AbortController();
      wakeUp = () => timer.abort();
      await sleep(options.pollMs, undefined, { signal: timer.signal }).catch(() => {});
      wakeUp = () => {};
    }
  })();
  return {
    wake,
    async stop() {
      shutdown.abort();
      wake();
      await loop;
      await Promise.all(active);
    },
  };
}
