import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServices, openAppDatabase, startHttp } from './app';
import { demoAccounts, demoPassword, seedDemo } from './db/seed-demo';
import { loadEnvOrExit } from './env';
import { startExportEngine } from './exports/export-engine';
import { createLogger } from './logger';

/** `npm start`: env → database → migrate → demo seed when empty → client build → jobs → HTTP. */
const bootStarted = performance.now();
const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL);

const clientIndex = fileURLToPath(new URL('../dist/client/index.html', import.meta.url));
if (!existsSync(clientIndex)) {
  logger.info('building the client (first start)');
  execFileSync('npx', ['vite', 'build'], {
    stdio: 'inherit',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
}

const database = await openAppDatabase(env);
const seeded = await seedDemo(database);
if (seeded.created.length) logger.info({ workspaces: seeded.created }, 'seeded demo data');
const services = createServices(env, database, logger);
// Web and export workers in one process; `npm run worker` adds worker-only processes on Postgres.
const engine = await startExportEngine(services, { workers: true });
const app = await startHttp(services);

const bootMs = Math.round(performance.now() - bootStarted);
logger.info({ url: app.url, database: database.kind, boot_ms: bootMs }, 'server started');
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
  await engine.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
