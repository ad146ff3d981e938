/**
 * `npm run bench:responsiveness`: does the web keep answering while exports run? The server runs exactly
 * as `npm start` runs it (dist/server.mjs, web and export workers in one process), in a process of its
 * own; this one polls `/api/health` and `exportStatus` every 50 ms each while one export runs, and
 * prints p50 / p99 / max of their latencies:
 * - on Postgres (DATABASE_URL): a 1M-row CSV, a 1M-row XLSX and a PDF at the row cap;
 * - on PGlite: a 200k-row CSV.
 * Targets (issue 9): p99 under 50 ms on Postgres, under 250 ms on PGlite. The seeded databases are kept
 * (Postgres: crm_bench_responsiveness; PGlite: under the OS temp dir) so a second run skips the seeding.
 *
 * Options: --people N (Postgres, default 1000000), --pglite-people N (default 200000), --only postgres|pglite.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { type Database, migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { seedScale } from '../server/db/seed-scale';
import { freePort, stopServer, waitForHealth } from '../server/testing/server-process';
import type { StartExportInput } from '../shared/exports';
import { ownChild } from './owned-children';
import { peakRssMb } from './proc-stats';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const argument = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const postgresPeople = Number(argument('people') ?? 1_000_000);
const pglitePeople = Number(argument('pglite-people') ?? 200_000);
const only = argument('only');
const pollEveryMs = 50;
const pdfRowCap = 10_000;

interface Stats {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}
interface CaseResult {
  database: 'postgres' | 'pglite';
  name: string;
  status: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** The server process's peak resident memory so far (VmHWM), after the case. */
  serverPeakRssMb: number;
  health: Stats;
  exportStatus: Stats;
}

function statsOf(latencies: number[]): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { samples: sorted.length, p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1) ?? 0) };
}

async function peopleIn(database: Database): Promise<number> {
  const [row] = await database.query<{ count: number }>(
    `select count(*)::int as count from people p join workspaces w on w.id = p.workspace_id where w.slug = 'acme'`,
  );
  return Number(row?.count ?? 0);
}

/** The demo plus scale people in Acme up to `people` (companies: one per hundred people). */
async function seedTo(database: Database, people: number): Promise<void> {
  await migrateDatabase(database);
  await seedDemo(database);
  const present = await peopleIn(database);
  if (present >= people) return;
  console.log(`seeding ${people - present} people (${database.kind})…`);
  const seeded = await seedScale(database, 'acme', {
    companies: Math.ceil((people - present) / 100),
    people: people - present,
    conversations: 0,
    activities: 0,
  });
  console.log(`seeded ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s`);
}

/** The Node flags `npm start` runs with (its script in package.json), so the server here gets them too. */
function npmStartNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (scripts.start ?? '').split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'scripts/start.mjs')
    throw new Error(`npm start is no longer "node [flags] scripts/start.mjs": ${scripts.start}`);
  return words.slice(1, -1);
}

/** `npm start`'s server, in a process of its own, on `env`; resolves once /api/health answers. */
async function startServer(
  env: Record<string, string>,
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = ownChild(
    spawn(process.execPath, ['--enable-source-maps', ...npmStartNodeFlags(), 'dist/server.mjs'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, { server: child, timeoutMs: 120_000, pollMs: 200 });
  return { url, pid: child.pid, stop: () => stopServer(child) };
}

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'admin@acme.test', password: 'demo1234' }),
  });
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!response.ok || !cookie) throw new Error(`login failed: ${response.status}`);
  return cookie;
}

async function trpc<T>(
  url: string,
  cookie: string,
  procedure: string,
  input: unknown,
  mutation = false,
): Promise<T> {
  const response = mutation
    ? await fetch(`${url}/trpc/${procedure}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: cookie },
        body: JSON.stringify(input),
      })
    : await fetch(`${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { Cookie: cookie },
      });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok || !body.result)
    throw new Error(`${procedure}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data;
}

/** Calls `request` every 50 ms (or as soon as the previous one answered, if it took longer) until `done`. */
async function poll(request: () => Promise<unknown>, done: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (!done()) {
    const started = performance.now();
    await request();
    const took = performance.now() - started;
    latencies.push(took);
    if (took < pollEveryMs) await sleep(pollEveryMs - took);
  }
  return latencies;
}

/** One export (or, without `request`, three seconds of no export at all) polled from start to end. */
async function runCase(
  database: CaseResult['database'],
  name: string,
  { url, pid }: { url: string; pid: number | undefined },
  cookie: string,
  request?: StartExportInput,
): Promise<CaseResult> {
  // Without an export, exportStatus polls the export of the previous case (or of a tiny one).
  const started = await trpc<{ id: string }>(
    url,
    cookie,
    'startExport',
    request ?? { object: 'companies', format: 'csv', idempotencyKey: 'bench-idle' },
    true,
  );
  const startedAt = performance.now();
  let last = { status: 'queued', processedRows: 0 };
  let settled = false;
  if (!request) setTimeout(() => (settled = true), 3000);
  const [health, exportStatus] = await Promise.all([
    poll(
      () => fetch(`${url}/api/health`).then((response) => response.arrayBuffer()),
      () => settled,
    ),
    poll(
      async () => {
        last = await trpc(url, cookie, 'exportStatus', { exportId: started.id });
        if (request && !['queued', 'running'].includes(last.status)) settled = true;
      },
      () => settled,
    ),
  ]);
  const result: CaseResult = {
    database,
    name,
    status: request ? last.status : '—',
    rows: request ? last.processedRows : 0,
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
    rowsPerSecond: request ? Math.round(last.processedRows / ((performance.now() - startedAt) / 1000)) : 0,
    serverPeakRssMb: peakRssMb(pid),
    health: statsOf(health),
    exportStatus: statsOf(exportStatus),
  };
  console.log(JSON.stringify(result));
  return result;
}

/** People created in the last `days` days, narrowed until there are at most `cap`. */
async function recentPeople(url: string, cookie: string, total: number, cap: number): Promise<string> {
  let days = 730 * (cap / total) * 0.95;
  for (;;) {
    const from = new Date(Date.now() - days * 86_400_000).toISOString();
    const { total: selected } = await trpc<{ total: number }>(url, cookie, 'people.count', {
      filter: { created_at: { $gte: from } },
    });
    if (selected <= cap) return from;
    days *= 0.9;
  }
}

async function postgresCases(baseUrl: string): Promise<CaseResult[]> {
  const name = 'crm_bench_responsiveness';
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  const exists = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists.length) await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  await seedTo(database, postgresPeople);
  const total = await peopleIn(database);
  await database.close();

  const server = await startServer({
    DATABASE_URL: url.toString(),
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bench-responsiveness-pg-')),
    RATE_LIMIT_READS_PER_SECOND: '10000',
    RATE_LIMIT_WRITES_PER_SECOND: '10000',
    EXPORT_PDF_ROW_CAP: String(pdfRowCap),
  });
  try {
    const cookie = await login(server.url);
    const from = await recentPeople(server.url, cookie, total, pdfRowCap);
    return [
      await runCase('postgres', 'none (idle, 3 s)', server, cookie),
      await runCase('postgres', `CSV, ${total} people`, server, cookie, {
        object: 'people',
        format: 'csv',
      }),
      await runCase('postgres', `XLSX, ${total} people`, server, cookie, {
        object: 'people',
        format: 'xlsx',
      }),
      await runCase('postgres', `PDF, people at the ${pdfRowCap}-row cap`, server, cookie, {
        object: 'people',
        format: 'pdf',
        dateRange: { attribute: 'created_at', from },
      }),
    ];
  } finally {
    await server.stop();
  }
}

async function pgliteCases(): Promise<CaseResult[]> {
  const dataDir = path.join(tmpdir(), `crm-bench-responsiveness-pglite-${pglitePeople}`);
  mkdirSync(dataDir, { recursive: true });
  const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pglite') });
  await seedTo(database, pglitePeople);
  const total = await peopleIn(database);
  await database.close();

  const server = await startServer({
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    RATE_LIMIT_READS_PER_SECOND: '10000',
    RATE_LIMIT_WRITES_PER_SECOND: '10000',
  });
  try {
    const cookie = await login(server.url);
    return [
      await runCase('pglite', 'none (idle, 3 s)', server, cookie),
      await runCase('pglite', `CSV, ${total} people`, server, cookie, {
        object: 'people',
        format: 'csv',
      }),
    ];
  } finally {
    await server.stop();
  }
}

function table(results: readonly CaseResult[]): string {
  const ms = (stats: Stats) => `${stats.p50} / ${stats.p99} / ${stats.max}`;
  return [
    '| database | export | status | rows | s | rows/s | server peak RSS MB | /api/health p50 / p99 / max ms | exportStatus p50 / p99 / max ms | samples |',
    '|---|---|---|---:|---:|---:|---:|---|---|---:|',
    ...results.map(
      (result) =>
        `| ${result.database} | ${result.name} | ${result.status} | ${result.rows} | ${result.seconds} | ${result.rowsPerSecond} | ${result.serverPeakRssMb} | ${ms(result.health)} | ${ms(result.exportStatus)} | ${result.health.samples} + ${result.exportStatus.samples} |`,
    ),
  ].join('\n');
}

// The server as `npm start` runs it: the bundles are built first when stale.
execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
const results: CaseResult[] = [];
const baseUrl = process.env.DATABASE_URL;
if (only !== 'pglite') {
  if (baseUrl) results.push(...(await postgresCases(baseUrl)));
  else console.log('DATABASE_URL is not set: the Postgres cases are skipped');
}
if (only !== 'postgres') results.push(...(await pgliteCases()));
console.log(`\n${table(results)}\n`);
console.log('targets: p99 under 50 ms on Postgres, under 250 ms on PGlite');
// Kept per database, so a run with --only replaces its own figures and leaves the other's.
const resultsFile = path.join(root, 'bench', 'responsiveness-results.json');
const kept: Record<string, unknown> = existsSync(resultsFile)
  ? JSON.parse(readFileSync(resultsFile, 'utf8'))
  : {};
for (const database of new Set(results.map((result) => result.database)))
  kept[database] = {
    at: new Date().toISOString(),
    results: results.filter((result) => result.database === database),
  };
writeFileSync(resultsFile, `${JSON.stringify(kept, null, 2)}\n`);
