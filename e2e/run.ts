/**
 * `npm run e2e`: builds the client when its sources changed, seeds a fresh database (a temporary PGlite
 * directory, or a new database on the server of DATABASE_URL), starts the real server on a free port,
 * waits for /api/health, runs Playwright against it, stops the server, and exits with Playwright's code.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { freePort, freshPostgres, stopServer, waitForHealth } from '../server/testing/server-process';
import { seedScaleWorkspace } from './scale-workspace';

const root = fileURLToPath(new URL('..', import.meta.url));
// Enough people that a CSV export of them runs for several seconds, so the progress and cancel flows can
// watch it: Postgres exports about five times as fast as PGlite.
const scalePeople = Number(process.env.E2E_SCALE_PEOPLE ?? (process.env.DATABASE_URL ? 1_000_000 : 200_000));
const started = performance.now();
const log = (message: string) =>
  console.log(`[e2e ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildClientIfNeeded(): void {
  const index = path.join(root, 'dist/client/index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'client')),
    newestMtime(path.join(root, 'shared')),
    statSync(path.join(root, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  log('building the client');
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) throw new Error('vite build failed');
}

async function main(): Promise<number> {
  buildClientIfNeeded();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crm-e2e-'));
  const postgresDb = process.env.DATABASE_URL
    ? await freshPostgres(process.env.DATABASE_URL, 'crm_e2e')
    : undefined;
  let server: ChildProcess | undefined;
  try {
    log(
      `seeding ${postgresDb ? 'a fresh Postgres database' : `PGlite in ${dataDir}`} (${scalePeople} people at scale)`,
    );
    const database = await openDatabase(
      postgresDb ? { databaseUrl: postgresDb.url } : { pgliteDir: path.join(dataDir, 'pglite') },
    );
    await migrateDatabase(database);
    await seedDemo(database);
    await seedScaleWorkspace(database, scalePeople);
    await database.close();

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    log(`starting the server on ${baseUrl}`);
    // One process (node with tsx's loader, no npx wrapper), so SIGTERM reaches the server's own shutdown.
    server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: postgresDb?.url ?? '',
        APP_URL: baseUrl,
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
        // The flows log in often and poll every second; the default limits are for the public API.
        RATE_LIMIT_READS_PER_SECOND: '1000',
        RATE_LIMIT_WRITES_PER_SECOND: '200',
      },
    });
    await waitForHealth(baseUrl, { server });
    log('server is up; running Playwright');
    const playwright = spawn('npx', ['playwright', 'test', ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, E2E_BASE_URL: baseUrl },
    });
    const code = await new Promise<number>((resolve) => playwright.on('exit', (exit) => resolve(exit ?? 1)));
    log(`Playwright finished with code ${code}`);
    return code;
  } finally {
    if (server) await stopServer(server);
    await postgresDb
      ?.drop()
      .catch((error: unknown) => console.error('could not drop the e2e database', error));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
