import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import type { AppServices, ExportQueue } from '../context';
import { ttlToMs } from '../env';
import { expireExports } from './expire-exports';
import { createExportSignals } from './export-signals';
import { loadExportSummary } from './export-summary-loader';
import { createMailer, exportEmail } from './notify/export-email';
import { workWebhookQueue } from './notify/webhook-worker';
import { pgliteBossDb } from './pg-boss-db';
import { createRecordSource } from './record-source';
import { type ExportEvent, type RunnerDeps, runExport } from './run-export';
import { type ExportStorage, exportStorageFor } from './storage';

export const queues = {
  run: 'export-run',
  email: 'export-email',
  webhook: 'export-webhook',
  expire: 'export-expire',
} as const;

export interface ExportEngineOptions {
  /** Run export jobs in this process (npm start, npm run worker); false only queues them (a web-only node). */
  workers?: boolean;
  /** Export jobs this process runs at once (the per-workspace limit still applies across processes). */
  workerCount?: number;
  /** pg-boss polling interval; tests use a short one. */
  pollingIntervalSeconds?: number;
  /** How often a worker looks for exports whose worker stopped heartbeating. */
  reapIntervalSeconds?: number;
}

export interface ExportEngine extends ExportQueue {
  storage: ExportStorage;
  /** Deletes expired files and marks their exports `expired` (the scheduled job runs it every minute). */
  expireNow(): Promise<number>;
  stop(): Promise<void>;
}

interface RunJob {
  exportId: string;
}
interface NotifyJob {
  exportId: string;
  event: ExportEvent;
}

/**
 * The export engine: pg-boss on the app's database (Postgres, or PGlite through its `db` adapter),
 * export workers, notification workers, the expiry schedule and the reaper that re-queues exports
 * whose worker died. Sets `services.exportQueue` so startExport can enqueue.
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
  await boss.createQueue(queues.run, {
    name: queues.run,
    retryLimit: 2,
    retryDelay: 5,
    expireInSeconds: 4 * 3600,
  });
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

  const storage = exportStorageFor(env);
  const workerCount = options.workerCount ?? Math.max(2, env.EXPORT_CONCURRENCY_PER_WORKSPACE);
  const source = createRecordSource(database, workerCount);
  const ttlMs = ttlToMs(env.EXPORT_TTL);
  const mailer = createMailer(env, log);

  const signals = createExportSignals(database);
  const queue: ExportQueue = {
    async enqueue(exportId) {
      await boss.send(queues.run, { exportId } satisfies RunJob);
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
    batchSize: env.EXPORT_BATCH_SIZE,
    concurrencyPerWorkspace: env.EXPORT_CONCURRENCY_PER_WORKSPACE,
    ttlMs,
    throttleMs: env.EXPORT_THROTTLE_MS,
    notify,
    isCancelled: (exportId) => cancelledAt.has(exportId),
  };

  const timers: NodeJS.Timeout[] = [];
  if (options.workers !== false) {
    const runWorkerIds: string[] = [];
    for (let index = 0; index < workerCount; index++) {
      const workerId = await boss.work<RunJob>(
        queues.run,
        { batchSize: 1, pollingIntervalSeconds: polling },
        async ([job]) => {
          if (!job) return;
          const outcome = await runExport(deps, job.data.exportId);
          cancelledAt.delete(job.data.exportId);
          // No free slot in the workspace (or another live worker holds it): look again shortly.
          if (outcome === 'retry-later') await boss.send(queues.run, job.data, { startAfter: 2 });
        },
      );
      runWorkerIds.push(workerId);
    }
    await signals.on('job', () => {
      for (const workerId of runWorkerIds) boss.notifyWorker(workerId);
    });
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
        await mailer.send({ to: summary.requestedBy.email, ...message });
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

    // A worker killed mid-export stops heartbeating; once its lease is over, the export runs again here.
    // And an export still queued a lease after it was created, with no job waiting or running for it
    // (its job could not be sent, or failed for good, or it was created with no engine running), gets one.
    const reap = async () => {
      const orphaned = await database.query<{ id: string }>(
        `select e.id from exports e
         where e.status = 'queued' and e.created_at < now() - make_interval(secs => $1)
           and not exists (
             select 1 from pgboss.job j
             where j.name = $2 and j.state in ('created', 'retry', 'active') and j.data ->> 'exportId' = e.id::text)
         limit 100`,
        [env.EXPORT_LEASE_SECONDS, queues.run],
      );
      for (const { id } of orphaned) {
        log.warn({ export_id: id }, 'queued export has no job; sending it one');
        await boss.send(queues.run, { exportId: id } satisfies RunJob, {
          singletonKey: `orphan-${id}`,
          singletonSeconds: env.EXPORT_LEASE_SECONDS,
        });
      }
      const abandoned = await database.query<{ id: string }>(
        `select id from exports where status = 'running' and updated_at < now() - make_interval(secs => $1) limit 100`,
        [env.EXPORT_LEASE_SECONDS],
      );
      for (const { id } of abandoned) {
        log.warn({ export_id: id }, 'export lease expired; re-queueing it');
        await boss.send(queues.run, { exportId: id } satisfies RunJob, {
          singletonKey: `reap-${id}`,
          singletonSeconds: env.EXPORT_LEASE_SECONDS,
        });
      }
    };
    const reapEvery = (options.reapIntervalSeconds ?? Math.max(1, env.EXPORT_LEASE_SECONDS / 2)) * 1000;
    timers.push(
      setInterval(
        () => void reap().catch((error: unknown) => log.warn({ err: error }, 'reaper failed')),
        reapEvery,
      ),
    );
  }
  log.info({ workers: options.workers !== false, workerCount, host: hostname() }, 'export engine started');

  return {
    ...queue,
    storage,
    expireNow: () => expireExports(database, storage, log),
    async stop() {
      for (const timer of timers) clearInterval(timer);
      if (services.exportQueue === queue) services.exportQueue = undefined;
      await signals.close();
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      await source.close();
    },
  };
}
