/**
 * `npm run e2e`: builds the client when its sources changed, seeds a fresh database (a temporary PGlite
 * directory, or a new database on the server of DATABASE_URL), starts the real server on a free port,
 * waits for /api/health, runs Playwright against it, stops the server, and exits with Playwright's code.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A new database next to the one DATABASE_URL names; dropped again at the end. */
async function freshPostgres(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `crm_e2e_${randomBytes(4).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

async function waitForHealth(url: string, server: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with code ${server.exitCode}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server did not answer ${url}/api/health within ${timeoutMs / 1000} s`);
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    server.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.kill('SIGTERM');
  });
}

async function main(): Promise<number> {
  buildClientIfNeeded();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crm-e2e-'));
  const postgresDb = process.env.DATABASE_URL ? await freshPostgres(process.env.DATABASE_URL) : undefined;
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
    await waitForHealth(baseUrl, server);
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
