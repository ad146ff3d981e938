import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServices, openAppDatabase, startHttp } from './app';
import { demoAccounts, demoPassword, seedDemo } from './db/seed-demo';
import { loadEnvOrExit } from './env';
import { startExportEngine } from './exports/export-engine';
import { startExportThread } from './exports/export-thread-host';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics/http-metrics';
import { startExportScheduler } from './schedules/scheduler';

/**
 * `npm start` (scripts/start.mjs) runs this as the bundle dist/server.mjs, after building it and the client
 * when missing or stale; `npm run dev` runs it under tsx with reload.
 * env → database → migrate → demo seed when empty → jobs → HTTP.
 */
const bootStarted = performance.now();
const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL);

/** Milliseconds since the previous phase ended, for the start line's breakdown. */
let phaseStarted = bootStarted;
function phaseMs(): number {
  const now = performance.now();
  const ms = Math.round(now - phaseStarted);
  phaseStarted = now;
  return ms;
}
const phases: Record<string, number> = {};

const database = await openAppDatabase(env);
phases.database_ms = phaseMs();
const seeded = await seedDemo(database);
if (seeded.created.length) logger.info({ workspaces: seeded.created }, 'seeded demo data');
phases.seed_ms = phaseMs();
const services = createServices(env, database, logger);
// Web and export workers in one process; `npm run worker` adds worker-only processes on Postgres.
// On Postgres the workers run in a worker thread, off the web's event loop (their CPU work held requests
// up for seconds); the bundle dist/server.mjs has the thread's bundle beside it, `npm run dev` does not.
// PGlite belongs to this thread, so there they run here, in batches small enough to keep requests moving.
// `npm run web` (--web): no workers and no scheduler here; `npm run worker` processes elsewhere run them.
const webOnly = process.argv.includes('--web');
if (webOnly && database.kind === 'pglite')
  logger.warn(
    'web only on PGlite: no other process can run its exports (they wait for a worker); use npm start',
  );
const threadEntry = new URL('./export-thread.mjs', import.meta.url);
const exportsOffThread = !webOnly && database.kind === 'postgres' && existsSync(fileURLToPath(threadEntry));
const engine = await startExportEngine(services, { workers: !webOnly && !exportsOffThread });
const exportThread = exportsOffThread ? await startExportThread(threadEntry, logger) : undefined;
// Scheduled exports start their runs from here (and from every `npm run worker`): each due run exactly once.
const scheduler = webOnly ? undefined : startExportScheduler(services);
phases.engine_ms = phaseMs();
const app = await startHttp(services);
// METRICS_PORT: /metrics on a port of its own (this process's, with its export thread's merged in).
if (env.METRICS_PORT) await startMetricsServer(env.METRICS_PORT, database);
phases.http_ms = phaseMs();

const bootMs = Math.round(performance.now() - bootStarted);
// Module loading happened before bootStarted: performance.now() counts from the process's start.
const processMs = Math.round(performance.now());
logger.info(
  {
    url: app.url,
    database: database.kind,
    exports: webOnly ? 'none (web only)' : exportsOffThread ? 'worker thread' : 'in process',
    boot_ms: bootMs,
    process_ms: processMs,
    ...phases,
  },
  'server started',
);
console.log(`\nCRM export API on http://localhost:${env.PORT} (${database.kind}, ready in ${bootMs} ms)`);
console.log(
  `Demo logins (password "${demoPassword}"): ${demoAccounts.map((account) => `${account.email} (${account.role})`).join(', ')}\n`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await app.stop();
  await scheduler?.stop();
  await exportThread?.stop();
  await engine.stop();
  await services.rateLimits.close();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
