/**
 * exportStatus under load: every open export dialog polls it about once a second, so a web process must
 * answer many of them at once while exports run. Target: ≥ 1,000 requests/s with p99 < 50 ms while a
 * 1M-row export runs (on Postgres).
 *
 * `measureStatusLoad` drives autocannon at the tRPC GET URL a non-batching client (the SDK's httpLink) sends:
 * `/trpc/exportStatus?input=<URL-encoded {"exportId":…}>`, with the caller's credentials in `headers`.
 *
 * Run alone, `npx tsx bench/export-status-load.ts [--people N] [--format xlsx] [--seconds 10]
 * [--connections 10]` starts its own app on a fresh database (a new Postgres database on DATABASE_URL's
 * server, dropped afterwards; or PGlite in memory), seeds the demo plus N people in Acme (Postgres: 1M,
 * PGlite: 200k), logs in as member@acme.test, measures once with no export running, then starts an export
 * of all of Acme's people and measures again while it runs. On Postgres the export runs in a worker
 * process of its own (server/worker.ts, as `npm run worker`); on PGlite in this process, as `npm start`
 * runs it there. The read and write rate limits (RATE_LIMIT_READS_PER_SECOND / _WRITES_) are raised to
 * 1,000,000 a second in the app's env, or the limiter, not the server, would set the figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createServices, startHttp } from '../server/app';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { seedScale } from '../server/db/seed-scale';
import { loadEnv } from '../server/env';
import { startExportEngine } from '../server/exports/export-engine';
import { createLogger } from '../server/logger';
import { type CrmClient, createClient } from '../server/sdk';
import { freshPostgres, stopServer } from '../server/testing/server-process';
import type { ExportFormat, ExportSummary } from '../shared/exports';
import { ownChild } from './owned-children';

export interface StatusLoadOptions {
  /** The app's base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Sent with every request: a session `Cookie` or an `Authorization: Bearer` API key. */
  headers: Record<string, string>;
  exportId: string;
  seconds: number;
  /** Concurrent connections, each with one request in flight (default 10). */
  connections?: number;
}

export interface StatusLoad {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers that were not 2xx (a 429 means a rate limit capped the run). */
  non2xx: number;
}

/** The URL a non-batching tRPC client GETs for `exportStatus({ exportId })` (no transformer here). */
export function exportStatusUrl(baseUrl: string, exportId: string): string {
  const input = encodeURIComponent(JSON.stringify({ exportId }));
  return `${baseUrl.replace(/\/$/, '')}/trpc/exportStatus?input=${input}`;
}

/**
 * Polls exportStatus as hard as `connections` clients can for `seconds`. The load is generated in a worker
 * thread of autocannon's, so a server in this same process (as in bench/export.ts) keeps its event loop.
 */
export async function measureStatusLoad(options: StatusLoadOptions): Promise<StatusLoad> {
  const result = await autocannon({
    url: exportStatusUrl(options.url, options.exportId),
    method: 'GET',
    headers: options.headers,
    duration: options.seconds,
    connections: options.connections ?? 10,
    workers: 1,
  });
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const argument = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const baseUrl = process.env.DATABASE_URL;
  const people = Number(argument('people') ?? (baseUrl ? 1_000_000 : 200_000));
  const format = (argument('format') ?? 'xlsx') as ExportFormat;
  const seconds = Number(argument('seconds') ?? 10);
  const connections = Number(argument('connections') ?? 10);

  // A fresh database: a new one on DATABASE_URL's server (dropped at the end), or PGlite in memory.
  const fresh = baseUrl ? await freshPostgres(baseUrl, 'crm_bench_status') : undefined;
  const databaseUrl = fresh?.url;
  const database = await openDatabase({ databaseUrl });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-status-'));
  let worker: ChildProcess | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    await migrateDatabase(database);
    await seedDemo(database);
    console.log(`seeding ${people.toLocaleString('en')} people (${database.kind})…`);
    const seeded = await seedScale(database, 'acme', {
      companies: Math.max(1, Math.ceil(people / 100)),
      people,
      conversations: 0,
      activities: 0,
    });
    console.log(`seeded ${seeded.rows.toLocaleString('en')} rows in ${seeded.seconds.toFixed(1)} s`);

    const env = loadEnv({
      ...process.env,
      DATABASE_URL: databaseUrl ?? '',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PORT: '0',
      // The limiter would otherwise answer 429 past 100 reads a second per session.
      RATE_LIMIT_READS_PER_SECOND: '1000000',
      RATE_LIMIT_WRITES_PER_SECOND: '1000000',
    });
    const services = createServices(env, database, createLogger('warn'));
    const app = await startHttp(services, { port: 0 });
    stops.push(() => app.stop());
    services.env = { ...services.env, APP_URL: app.url };
    // Postgres: this process is a web node; the export runs in a worker process. PGlite: here.
    const engine = await startExportEngine(services, { workers: database.kind === 'pglite' });
    stops.push(() => engine.stop());
    if (databaseUrl) {
      worker = ownChild(
        spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
          cwd: root,
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            DATA_DIR: dataDir,
            APP_SECRET: env.APP_SECRET,
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        }),
      );
    }

    const login = await fetch(`${app.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'member@acme.test', password: 'demo1234' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const headers = { Cookie: cookie };
    const client = createClient({ url: app.url, headers });

    // Idle: an export that is done, so nothing else runs.
    const small = await client.startExport.mutate({ object: 'companies', format: 'csv' });
    const smallDone = await waitFor(client, small.id, ['completed', 'failed', 'cancelled']);
    const check = await fetch(exportStatusUrl(app.url, small.id), { headers });
    if (check.status !== 200) throw new Error(`exportStatus answered ${check.status}: ${await check.text()}`);
    const idle = await measureStatusLoad({ url: app.url, headers, exportId: small.id, seconds, connections });
    report({ case: `idle (a ${smallDone.status} export)`, ...idle });

    const started = await client.startExport.mutate({ object: 'people', format });
    const running = await waitFor(client, started.id, ['running', 'completed', 'failed', 'cancelled']);
    if (running.status !== 'running')
      throw new Error(`the export ended before the load began: ${running.status}`);
    const loaded = await measureStatusLoad({
      url: app.url,
      headers,
      exportId: started.id,
      seconds,
      connections,
    });
    const after = await client.exportStatus.query({ exportId: started.id });
    report({
      case: `while a ${(after.totalRows ?? people).toLocaleString('en')}-row ${format} export runs`,
      ...loaded,
      exportStatusAfter: after.status,
      exportRowsDuringLoad: after.processedRows - running.processedRows,
    });
    if (after.status !== 'running')
      console.log('the export finished during the measurement: raise --people or lower --seconds');
    console.log(
      `target ≥ 1,000 req/s and p99 < 50 ms while it runs: ${
        loaded.requestsPerSecond >= 1000 && loaded.p99Ms < 50 && after.status === 'running' ? 'met' : 'missed'
      }`,
    );
    await client.cancelExport.mutate({ exportId: started.id });
  } finally {
    if (worker) await stopServer(worker);
    for (const stop of stops.reverse()) await stop();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    await fresh?.drop();
  }
}

async function waitFor(
  client: CrmClient,
  exportId: string,
  statuses: readonly ExportSummary['status'][],
): Promise<ExportSummary> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const summary = await client.exportStatus.query({ exportId });
    if (statuses.includes(summary.status)) return summary;
    if (Date.now() > deadline) throw new Error(`export ${exportId} still ${summary.status} after 120 s`);
    await sleep(50);
  }
}

function report(entry: Record<string, unknown>): void {
  console.log(JSON.stringify(entry));
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) await main();
