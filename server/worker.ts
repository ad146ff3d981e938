import { createServices, openAppDatabase } from './app';
import { loadEnvOrExit } from './env';
import { startExportEngine } from './exports/export-engine';
import { allowExportHeapGrowth } from './exports/export-heap';
import { lowerExportPriority } from './exports/export-priority';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics/http-metrics';
import { startExportScheduler } from './schedules/scheduler';

/**
 * `npm run worker`: export workers only, no HTTP. Run as many as you like against one Postgres
 * (DATABASE_URL); each takes jobs from the shared pg-boss queue, and the per-workspace limit holds
 * across all of them. On PGlite the database belongs to one process, so use `npm start` there.
 */
allowExportHeapGrowth();
const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL);
lowerExportPriority(env.EXPORT_NICE, { sharesProcessWithWeb: false }, logger);
if (!env.DATABASE_URL)
  logger.warn('no DATABASE_URL: this worker uses its own PGlite database under DATA_DIR');
const database = await openAppDatabase(env);
const services = createServices(env, database, logger);
const engine = await startExportEngine(services, { workers: true });
const scheduler = startExportScheduler(services);
// A worker has no HTTP port: its metrics (exports, deliveries) are served on METRICS_PORT, one per process.
if (env.METRICS_PORT) await startMetricsServer(env.METRICS_PORT, database);
else if (env.METRICS)
  logger.warn('METRICS=true does nothing in a worker: set METRICS_PORT to serve its /metrics');
logger.info({ database: database.kind, pid: process.pid }, 'export worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker shutting down');
  await scheduler.stop();
  await engine.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
