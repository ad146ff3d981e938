import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { ExportFormat } from '../../shared/exports';
import type { Database } from '../db/database';

/**
 * The process's Prometheus metrics (prom-client). Counters and histograms are kept in the process (or
 * thread) where things happen — HTTP in web processes, exports and deliveries in workers — and each
 * process serves its own on /metrics: Prometheus scrapes every process and sums them. Queue depth and
 * running exports are read from the database at scrape time, so they are the whole cluster's.
 */
export const registry = new Registry();

const httpRequests = new Counter({
  name: 'crm_http_requests_total',
  help: 'HTTP requests answered, by route (a tRPC procedure or an /api route pattern), method and status.',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});
const httpDuration = new Histogram({
  name: 'crm_http_request_duration_seconds',
  help: 'Time from a request to the end of its answer, by route, method and status.',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const exportLabels = ['format'] as const;
const exportsStarted = new Counter({
  name: 'crm_exports_started_total',
  help: 'Export runs started by a worker of this process (a run taken over after a lost worker counts again).',
  labelNames: exportLabels,
  registers: [registry],
});
const exportsCompleted = new Counter({
  name: 'crm_exports_completed_total',
  help: 'Exports completed by this process.',
  labelNames: exportLabels,
  registers: [registry],
});
const exportsFailed = new Counter({
  name: 'crm_exports_failed_total',
  help: 'Exports that failed in this process.',
  labelNames: exportLabels,
  registers: [registry],
});
const exportsCancelled = new Counter({
  name: 'crm_exports_cancelled_total',
  help: 'Running exports this process stopped because they were cancelled.',
  labelNames: exportLabels,
  registers: [registry],
});
const exportDuration = new Histogram({
  name: 'crm_export_duration_seconds',
  help: 'Time a worker took to run a completed export, from taking it to its file stored.',
  labelNames: exportLabels,
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  registers: [registry],
});
const exportRowsPerSecond = new Histogram({
  name: 'crm_export_rows_per_second',
  help: 'Rows per second of completed exports.',
  labelNames: exportLabels,
  buckets: [100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000],
  registers: [registry],
});

const deliveries = new Counter({
  name: 'crm_notification_deliveries_total',
  help: 'Notification delivery attempts by channel (email, webhook) and outcome (delivered, failed; failed ones are retried).',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

/** The database the cluster-wide gauges read at scrape time (set by the process serving /metrics). */
let gaugeDatabase: Database | undefined;
new Gauge({
  name: 'crm_exports_queued',
  help: 'Exports waiting in the queue, all processes together.',
  registers: [registry],
  async collect() {
    if (gaugeDatabase) this.set(await countExports(gaugeDatabase, 'queued'));
  },
});
new Gauge({
  name: 'crm_exports_running',
  help: 'Exports running now, all processes together.',
  registers: [registry],
  async collect() {
    if (gaugeDatabase) this.set(await countExports(gaugeDatabase, 'running'));
  },
});
new Gauge({
  name: 'crm_export_workers_alive',
  help: 'Export worker processes that heartbeated within the last 15 s, on any machine.',
  registers: [registry],
  async collect() {
    if (!gaugeDatabase) return;
    const [row] = await gaugeDatabase.query<{ alive: number }>(
      `select count(*)::int as alive from export_workers where heartbeat_at > now() - interval '15 seconds'`,
    );
    this.set(row?.alive ?? 0);
  },
});

async function countExports(database: Database, status: 'queued' | 'running'): Promise<number> {
  const [row] = await database.query<{ count: number }>(
    'select count(*)::int as count from exports where status = $1',
    [status],
  );
  return row?.count ?? 0;
}

let defaultsCollected = false;
/**
 * Makes this process the one that answers /metrics: Node's process metrics, and the database gauges.
 * (A worker thread keeps counting on its own registry; its host merges it in, see `metricsText`.)
 */
export function serveProcessMetrics(database: Database): void {
  gaugeDatabase = database;
  if (!defaultsCollected) collectDefaultMetrics({ register: registry, prefix: 'crm_' });
  defaultsCollected = true;
}

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** What a worker thread sends its host when asked. */
export function metricsSnapshot(): Promise<MetricsSnapshot> {
  return registry.getMetricsAsJSON();
}

/** Worker threads of this process whose metrics /metrics adds to its own (export-thread-host.ts). */
const threadSources = new Set<() => Promise<MetricsSnapshot | undefined>>();

/** Adds a thread's metrics to this process's /metrics; returns the function that removes it. */
export function addThreadMetrics(source: () => Promise<MetricsSnapshot | undefined>): () => void {
  threadSources.add(source);
  return () => threadSources.delete(source);
}

/** The text /metrics answers: this process's metrics, summed with those of its worker threads. */
export async function metricsText(): Promise<string> {
  const threads = (
    await Promise.all([...threadSources].map((source) => source().catch(() => undefined)))
  ).filter((snapshot): snapshot is MetricsSnapshot => snapshot !== undefined);
  if (!threads.length) return registry.metrics();
  return AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...threads]).metrics();
}

export const metricsContentType = registry.contentType;

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function observeHttpRequest(route: string, method: string, status: number, seconds: number): void {
  const labels = { route, method: knownMethods.has(method) ? method : 'other', status: String(status) };
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
}

export type ExportRunOutcome = 'completed' | 'failed' | 'stopped' | 'requeued';

/**
 * Runs one export attempt and counts it: started, then completed (with duration and rows per second),
 * failed or cancelled. An attempt stopped by a shutdown or requeued after a lost connection only counts
 * as started.
 */
export async function observeExportRun<Outcome extends ExportRunOutcome>(
  database: Database,
  exportRun: { id: string; format: ExportFormat },
  run: () => Promise<Outcome>,
  wasCancelled: () => boolean,
): Promise<Outcome> {
  const labels = { format: exportRun.format };
  exportsStarted.inc(labels);
  const started = performance.now();
  const outcome = await run();
  const seconds = (performance.now() - started) / 1000;
  if (outcome === 'completed') {
    exportsCompleted.inc(labels);
    exportDuration.observe(labels, seconds);
    const [row] = await database
      .query<{ rows: number }>('select processed_rows::float8 as rows from exports where id = $1', [
        exportRun.id,
      ])
      .catch(() => []);
    if (row && seconds > 0) exportRowsPerSecond.observe(labels, row.rows / seconds);
  } else if (outcome === 'failed') exportsFailed.inc(labels);
  else if (
    outcome === 'stopped' &&
    (wasCancelled() || (await statusOf(database, exportRun.id)) === 'cancelled')
  )
    exportsCancelled.inc(labels);
  return outcome;
}

async function statusOf(database: Database, exportId: string): Promise<string | undefined> {
  const [row] = await database
    .query<{ status: string }>('select status from exports where id = $1', [exportId])
    .catch(() => []);
  return row?.status;
}

/** One delivery attempt of an email or webhook, counted by outcome; errors pass through (to be retried). */
export async function observeDelivery<T>(
  channel: 'email' | 'webhook',
  deliver: () => Promise<T>,
): Promise<T> {
  try {
    const result = await deliver();
    deliveries.inc({ channel, outcome: 'delivered' });
    return result;
  } catch (error) {
    deliveries.inc({ channel, outcome: 'failed' });
    throw error;
  }
}
