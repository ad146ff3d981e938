import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServices, openAppDatabase, startHttp } from './app';
import { demoAccounts, demoPassword, seedDemo } from './db/seed-demo';
import { loadEnvOrExit } from './env';
import { startExportEngine } from './exports/export-engine';
import { startExportThread } from './exports/export-thread-host';
import { createLogger } from './logger';
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
const threadEntry = new URL('./export-thread.mjs', import.meta.url);
const exportsOffThread = database.kind === 'postgres' && existsSync(fileURLToPath(threadEntry));
const engine = await startExportEngine(services, { workers: !exportsOffThread });
const exportThread = exportsOffThread ? await startExportThread(threadEntry, logger) : undefined;
// Scheduled exports start their runs from here (and from every `npm run worker`): each due run exactly once.
const scheduler = startExportScheduler(services);
phases.engine_ms = phaseMs();
const app = await startHttp(services);
phases.http_ms = phaseMs();

const bootMs = Math.round(performance.now() - bootStarted);
// Module loading happened before bootStarted: performance.now() counts from the process's start.
const processMs = Math.round(performance.now());
logger.info(
  {
    url: app.url,
    database: database.kind,
    exports: exportsOffThread ? 'worker thread' : 'in process',
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
  await scheduler.stop();
  await exportThread?.stop();
  await engine.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
