import { parentPort } from 'node:worker_threads';
import { createServices } from './app';
import { openDatabase } from './db/database';
import { loadEnvOrExit } from './env';
import { startExportEngine } from './exports/export-engine';
import { lowerExportPriority } from './exports/export-priority';
import { createLogger } from './logger';
import { metricsSnapshot } from './metrics/metrics';

/**
 * The export workers of `npm start` on Postgres, in a worker thread of the web process (started by
 * server/exports/export-thread-host.ts from the bundle dist/export-thread.mjs). Formatting a million
 * rows or laying out a PDF is CPU work; on the web's event loop it held requests up for seconds. Here
 * it has an event loop of its own, and its own connections: the database is shared, nothing else is.
 * The main thread has migrated the database already.
 */
const port = parentPort;
if (!port) throw new Error('export-thread.ts runs as a worker thread (npm start on Postgres)');
const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL).child({ thread: 'exports' });
lowerExportPriority(env.EXPORT_NICE, { sharesProcessWithWeb: true }, logger);
const database = await openDatabase({ databaseUrl: env.DATABASE_URL });
const engine = await startExportEngine(createServices(env, database, logger), { workers: true });
port.on('message', (message: unknown) => {
  // The host's /metrics adds this thread's export and delivery metrics to its own.
  if (message === 'metrics') {
    void metricsSnapshot().then((metrics) => port.postMessage({ metrics }));
    return;
  }
  if (message !== 'stop') return;
  // Running exports go back to the queue; the process is about to end.
  void engine
    .stop()
    .then(() => database.close())
    .finally(() => port.postMessage('stopped'));
});
port.postMessage('ready');
