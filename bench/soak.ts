/**
 * `npm run soak [-- --short]`: the whole product on several processes under faults, on the local Postgres.
 *
 * A fresh database (crm_soak_<time>, dropped at the end) with the demo workspaces and a third, Initech, of
 * 200k people; export files in S3 (an s3rver this script starts); rate limits in Redis (127.0.0.1:6379, or
 * REDIS_URL); 2 web processes (`dist/server.mjs --web`) and 3 worker processes (`dist/worker.mjs`), all
 * built first. 100 exports of mixed objects, formats, filters and sizes (up to 200k rows) are started from
 * the 3 workspaces through both web processes, while a chaos loop SIGKILLs a random worker every ~10 s and
 * starts it again, and every unfinished export's status is polled throughout.
 *
 * Then every export must be `completed`, with exactly the rows `<object>.count` gives for its filter in the
 * downloaded file (read back: CSV, JSON and XLSX rows; PDF by its processed rows) and no row twice, a file
 * whose sha256 matches what was recorded, and no object left in the bucket that no export points to.
 * Prints exports, kills, takeovers, p50/p99 time to complete, status-poll p99, orphaned objects, lost or
 * duplicated rows; exits 1 when a check fails. Not part of `npm test`.
 *
 * `--short` (CI): 2 workers, 10 exports on a 5k-people Initech, 2 kills, slowed batches so kills land mid-run.
 *
 * Exports restart from scratch after a takeover, so an export must fit between two deaths of its worker;
 * the processes run with EXPORT_MAX_ATTEMPTS=25 (SOAK_MAX_ATTEMPTS) instead of the default 3, with which a
 * worker killed every ~10 s failed the long exports ("started 3 times and never finished").
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import Papa from 'papaparse';
import { scaleWorkspace, seedScaleWorkspace } from '../e2e/scale-workspace';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { exportHeapBudgetMb } from '../server/exports/export-heap';
import { s3Storage } from '../server/exports/storage/s3-storage';
import {
  listKeys,
  s3TestCredentials,
  startS3TestServer,
} from '../server/exports/storage/testing/s3-test-server';
import { type CrmClient, createClient } from '../server/sdk';
import { freePort, freshPostgres, waitForHealth } from '../server/testing/server-process';
import type { ExportFormat, ExportSummary } from '../shared/exports';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const short = process.argv.includes('--short');
const settings = short
  ? { workers: 2, exports: 10, kills: 2, initechPeople: 5_000, killEveryMs: 4_000, deadlineMs: 150_000 }
  : {
      workers: 3,
      exports: 100,
      kills: Number.POSITIVE_INFINITY,
      initechPeople: 200_000,
      killEveryMs: 10_000,
      deadlineMs: 45 * 60_000,
    };
const webCount = 2;
const maxAttempts = process.env.SOAK_MAX_ATTEMPTS ?? '25';
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type ObjectSlug = 'people' | 'companies' | 'conversations' | 'activities';
interface Planned {
  workspace: string;
  object: ObjectSlug;
  format: ExportFormat;
  filter?: Record<string, unknown>;
}

/** What each workspace exports, cycled through: every format, filtered and not, small and large. */
const mixes: Record<string, Omit<Planned, 'workspace'>[]> = {
  acme: [
    { object: 'people', format: 'csv' },
    { object: 'companies', format: 'xlsx' },
    { object: 'conversations', format: 'json' },
    { object: 'people', format: 'pdf', filter: { tags: 'vip' } },
    { object: 'activities', format: 'csv' },
    { object: 'people', format: 'xlsx', filter: { status: 'customer' } },
    { object: 'companies', format: 'pdf' },
    { object: 'activities', format: 'json' },
  ],
  globex: [
    { object: 'companies', format: 'csv', filter: { status: 'customer' } },
    { object: 'people', format: 'json' },
    { object: 'activities', format: 'xlsx' },
    { object: 'conversations', format: 'pdf' },
    { object: 'people', format: 'csv', filter: { tags: 'vip' } },
  ],
  [scaleWorkspace.slug]: [
    { object: 'people', format: 'csv' }, // every person: 200k rows
    { object: 'people', format: 'json', filter: { tags: 'vip' } },
    { object: 'companies', format: 'pdf' },
    { object: 'people', format: 'xlsx', filter: { status: 'customer' } },
    { object: 'people', format: 'json' }, // 200k rows
    { object: 'companies', format: 'xlsx' },
    { object: 'people', format: 'csv', filter: { status: 'churned' } },
    { object: 'people', format: 'xlsx', filter: { tags: 'vip' } },
  ],
};
const admins: Record<string, string> = {
  acme: 'admin@acme.test',
  globex: 'admin@globex.test',
  [scaleWorkspace.slug]: scaleWorkspace.admin.email,
};

function plan(count: number): Planned[] {
  const workspaces = Object.keys(mixes);
  return Array.from({ length: count }, (_, index) => {
    const workspace = workspaces[index % workspaces.length] as string;
    const mix = mixes[workspace] as Omit<Planned, 'workspace'>[];
    return {
      workspace,
      ...(mix[Math.floor(index / workspaces.length) % mix.length] as Omit<Planned, 'workspace'>),
    };
  });
}

const percentile = (values: readonly number[], p: number) => {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

function log(message: string) {
  console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------------------------------
const started = performance.now();
if (!process.argv.includes('--no-build')) {
  log('building dist/server.mjs, dist/export-thread.mjs and dist/worker.mjs');
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { cwd: root, stdio: 'inherit' });
}

const soakDatabase = await freshPostgres(baseUrl, 'crm_soak');
const database = await openDatabase({ databaseUrl: soakDatabase.url });
const children = new Set<ChildProcess>();
const s3 = await startS3TestServer('crm-soak');
const redisPrefix = `crm-soak-${randomBytes(4).toString('hex')}`;
const logDir = mkdtempSync(path.join(tmpdir(), 'crm-soak-'));
let failed = false;

async function cleanUp() {
  for (const child of children) child.kill('SIGKILL');
  await s3.close().catch(() => {});
  await database.close().catch(() => {});
  await soakDatabase.drop().catch(() => {});
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
  } catch {}
  redis.disconnect();
  // Kept when the soak failed: the processes' logs say why.
  if (!failed) rmSync(logDir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  void cleanUp().finally(() => process.exit(130));
});

try {
  await migrateDatabase(database);
  log(
    `seeding ${soakDatabase.name}: the demo workspaces and Initech with ${settings.initechPeople.toLocaleString('en')} people`,
  );
  await seedDemo(database);
  await seedScaleWorkspace(database, settings.initechPeople);

  const sharedEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...s3.env('exports'),
    NODE_ENV: 'production',
    DATABASE_URL: soakDatabase.url,
    DATA_DIR: logDir,
    APP_SECRET: randomBytes(32).toString('hex'),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    // The soak measures exports under faults, not the limits: every poll must get through.
    RATE_LIMIT_READS_PER_SECOND: '100000',
    RATE_LIMIT_WRITES_PER_SECOND: '10000',
    // A killed worker's exports are taken over after 5 s instead of 30.
    EXPORT_LEASE_SECONDS: '5',
    // The engine's default (3 starts, then failed) protects against an export that kills its worker each
    // time; under a kill every ~10 s an export longer than the gaps between its worker's deaths needs more.
    EXPORT_MAX_ATTEMPTS: maxAttempts,
    EXPORT_WORKERS: '2',
    EXPORT_CONCURRENCY_PER_WORKSPACE: '2',
    LOG_LEVEL: 'warn',
    ...(short ? { EXPORT_BATCH_SIZE: '250', EXPORT_THROTTLE_MS: '150' } : {}),
  };

  const spawnLogged = (name: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };

  const waitHealthy = (url: string) =>
    waitForHealth(url, { timeoutMs: 60_000, pollMs: 100 }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; see ${logDir}`);
    });
  const webUrls: string[] = [];
  const startWeb = async (index: number) => {
    const port = await freePort();
    spawnLogged(`web-${index}`, ['--enable-source-maps', 'dist/server.mjs', '--web'], {
      ...sharedEnv,
      PORT: String(port),
    });
    webUrls[index] = `http://127.0.0.1:${port}`;
  };
  const workers: (ChildProcess | undefined)[] = [];
  const startWorker = (slot: number) => {
    workers[slot] = spawnLogged(
      `worker-${slot}`,
      ['--enable-source-maps', `--max-old-space-size=${exportHeapBudgetMb}`, 'dist/worker.mjs'],
      sharedEnv,
    );
  };
  // The first process creates pg-boss's schema and queues alone: processes that all create them at
  // once on a fresh database can deadlock in pgboss.create_queue (seen here; a restart gets past it).
  await startWeb(0);
  await waitHealthy(webUrls[0] as string);
  for (let index = 1; index < webCount; index++) await startWeb(index);
  for (let slot = 0; slot < settings.workers; slot++) startWorker(slot);
  for (const url of webUrls) await waitHealthy(url);
  log(`${webCount} web processes, ${settings.workers} workers, S3 at ${s3.endpoint}, Redis at ${redisUrl}`);

  // One session per workspace admin, used through both web processes (sessions live in Postgres).
  const clients: Record<string, CrmClient[]> = {};
  for (const [workspace, email] of Object.entries(admins)) {
    const response = await fetch(`${webUrls[0]}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'demo1234' }),
    });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (!response.ok) throw new Error(`login as ${email}: ${response.status}`);
    clients[workspace] = webUrls.map((url) => createClient({ url, headers: { Cookie: cookie } }));
  }
  const clientOf = (workspace: string, index: number) =>
    (clients[workspace] as CrmClient[])[index % webCount] as CrmClient;

  // Start the exports, alternating the web processes.
  const planned = plan(settings.exports);
  const exportsStarted: { planned: Planned; id: string }[] = [];
  for (const [index, item] of planned.entries()) {
    const summary = await clientOf(item.workspace, index).startExport.mutate({
      object: item.object,
      format: item.format,
      ...(item.filter ? { filter: item.filter } : {}),
    });
    exportsStarted.push({ planned: item, id: summary.id });
  }
  log(`${exportsStarted.length} exports started`);

  // Chaos, from now on: SIGKILL a random worker every ~killEveryMs (±30 %), start it again 0.5 s later.
  let kills = 0;
  let chaosOn = true;
  const chaos = (async () => {
    while (chaosOn && kills < settings.kills) {
      await sleep(settings.killEveryMs * (0.7 + Math.random() * 0.6));
      if (!chaosOn) break;
      const slot = Math.floor(Math.random() * settings.workers);
      const victim = workers[slot];
      if (!victim || victim.exitCode !== null) continue;
      victim.kill('SIGKILL');
      kills++;
      log(`chaos: SIGKILL worker ${slot} (pid ${victim.pid}), kill ${kills}`);
      await sleep(500);
      startWorker(slot);
    }
  })();

  // Poll every unfinished export's status, through both web processes, until all have ended.
  const pollMs: number[] = [];
  const final = new Map<string, ExportSummary>();
  const terminal = new Set(['completed', 'failed', 'cancelled', 'expired']);
  const deadline = Date.now() + settings.deadlineMs;
  let polls = 0;
  let lastReport = Date.now();
  while (final.size < exportsStarted.length && Date.now() < deadline) {
    for (const [index, started] of exportsStarted.entries()) {
      if (final.has(started.id)) continue;
      const client = clientOf(started.planned.workspace, index + polls);
      const before = performance.now();
      const summary = await client.exportStatus.query({ exportId: started.id });
      pollMs.push(performance.now() - before);
      polls++;
      if (terminal.has(summary.status)) final.set(started.id, summary);
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`${final.size}/${exportsStarted.length} ended, ${kills} kills so far`);
    }
    await sleep(250);
  }
  chaosOn = false;
  await chaos;
  const stuck = exportsStarted.filter((started) => !final.has(started.id));
  log(`${final.size}/${exportsStarted.length} ended; verifying files`);

  // Verify: completed, exact rows, sha256, then orphans.
  let notCompleted = 0;
  let lostOrDuplicated = 0;
  let shaMismatches = 0;
  const problems: string[] = [];
  for (const [index, started] of exportsStarted.entries()) {
    const summary = final.get(started.id);
    if (summary?.status !== 'completed') {
      notCompleted++;
      problems.push(`${started.id} ${summary?.status ?? 'stuck'} ${JSON.stringify(summary?.error ?? null)}`);
      continue;
    }
    const client = clientOf(started.planned.workspace, index);
    const { total } = await client[started.planned.object].count.query(
      started.planned.filter ? { filter: started.planned.filter } : {},
    );
    const { url } = await client.downloadExport.mutate({ exportId: started.id });
    const response = await fetch(url); // follows the redirect to the presigned S3 URL
    if (!response.ok) throw new Error(`download of ${started.id}: ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const [recorded] = await database.query<{ sha256: string; processed_rows: number }>(
      'select sha256, processed_rows::int as processed_rows from exports where id = $1',
      [started.id],
    );
    if (createHash('sha256').update(bytes).digest('hex') !== recorded?.sha256) {
      shaMismatches++;
      problems.push(`${started.id}: sha256 differs from the recorded one`);
    }
    const rows = await fileRows(started.planned.format, bytes, recorded?.processed_rows ?? -1);
    const off = Math.abs(rows.count - total) + (rows.count - rows.distinct);
    if (off)
      problems.push(
        `${started.id} ${started.planned.format}: ${rows.count} rows (${rows.distinct} distinct), count() ${total}`,
      );
    lostOrDuplicated += off;
  }

  const storageKeys = new Set(
    (
      await database.query<{ storage_key: string }>(
        'select storage_key from exports where storage_key is not null',
      )
    ).map((row) => `exports/${row.storage_key}`),
  );
  const bucketKeys = await listKeys(
    s3Storage({
      bucket: s3.bucket,
      prefix: '',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3TestCredentials,
    }).client,
    s3.bucket,
    'exports/',
  );
  const orphaned = bucketKeys.filter((key) => !storageKeys.has(key));
  const [takeovers] = await database.query<{ takeovers: number }>(
    'select coalesce(sum(greatest(attempts - 1, 0)), 0)::int as takeovers from exports',
  );
  const completeSeconds = (
    await database.query<{ seconds: number }>(
      `select extract(epoch from finished_at - created_at)::float8 as seconds from exports where status = 'completed'`,
    )
  ).map((row) => row.seconds);
  const [rowsTotal] = await database.query<{ rows: number }>(
    `select coalesce(sum(processed_rows), 0)::float8 as rows from exports where status = 'completed'`,
  );

  const figures: [string, string][] = [
    ['mode', short ? 'short (CI)' : 'full'],
    ['processes', `${webCount} web, ${settings.workers} workers`],
    ['exports', `${exportsStarted.length} started, ${exportsStarted.length - notCompleted} completed`],
    ['rows exported', (rowsTotal?.rows ?? 0).toLocaleString('en')],
    ['worker kills (SIGKILL)', String(kills)],
    ['takeovers (attempts beyond the first)', String(takeovers?.takeovers ?? 0)],
    ['EXPORT_MAX_ATTEMPTS', maxAttempts],
    [
      'time to complete p50 / p99',
      `${percentile(completeSeconds, 50).toFixed(1)} s / ${percentile(completeSeconds, 99).toFixed(1)} s`,
    ],
    ['status polls', `${pollMs.length.toLocaleString('en')}, p99 ${percentile(pollMs, 99).toFixed(1)} ms`],
    ['stuck exports', String(stuck.length)],
    ['sha256 mismatches', String(shaMismatches)],
    ['orphaned objects', String(orphaned.length)],
    ['lost or duplicated rows', String(lostOrDuplicated)],
    ['wall time', `${((performance.now() - started) / 1000).toFixed(0)} s`],
  ];
  const width = Math.max(...figures.map(([name]) => name.length));
  console.log(`\n${figures.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
  for (const problem of problems.slice(0, 20)) console.log(`  ✗ ${problem}`);
  for (const key of orphaned.slice(0, 20)) console.log(`  ✗ orphaned object ${key}`);
  failed =
    stuck.length > 0 || notCompleted > 0 || shaMismatches > 0 || orphaned.length > 0 || lostOrDuplicated > 0;
  if (failed) console.log(`soak FAILED (process logs kept in ${logDir} until exit)`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);

/** Data rows in an export file, and how many of them are distinct. PDFs are not parsed: their processed rows. */
async function fileRows(
  format: ExportFormat,
  bytes: Buffer,
  processedRows: number,
): Promise<{ count: number; distinct: number }> {
  if (format === 'csv') {
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data.slice(1);
    return { count: rows.length, distinct: new Set(rows.map((row) => JSON.stringify(row))).size };
  }
  if (format === 'json') {
    const rows = JSON.parse(bytes.toString('utf8')) as unknown[];
    return { count: rows.length, distinct: new Set(rows.map((row) => JSON.stringify(row))).size };
  }
  if (format === 'xlsx') {
    const seen = new Set<string>();
    let count = 0;
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {});
    for await (const sheet of reader) {
      let header = true;
      for await (const row of sheet) {
        if (header) {
          header = false;
          continue;
        }
        count++;
        seen.add(JSON.stringify(row.values));
      }
    }
    return { count, distinct: seen.size };
  }
  return { count: processedRows, distinct: processedRows };
}
