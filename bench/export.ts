/**
 * `npm run bench:export [-- --rows N] [--formats csv,xlsx,json,pdf] [--cpu-prof-dir DIR]` on Postgres
 * (DATABASE_URL); with a directory, each worker process writes its CPU profile there.
 *
 * Uses a database of its own per size (crm_bench_export_<N>), seeded with the demo data plus N people
 * through server/db/seed-scale.ts when missing. Each format runs through startExport → completed over
 * HTTP, with the export executed by a fresh `server/worker.ts` process whose peak RSS (VmHWM) and CPU are
 * read from /proc, and the database's CPU sampled from its processes meanwhile. Then, while one more 1M
 * XLSX export runs, autocannon loads `exportStatus` (bench/export-status-load.ts). Baselines in the same
 * run: COPY of the plain people table (what the database can send at most), COPY of the export's record
 * query, and exceljs's streaming writer fed rows from memory (in its own process). The targets
 * are printed met or missed; results go to bench/results.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createServices, startHttp } from '../server/app';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { seedScale } from '../server/db/seed-scale';
import { loadEnv } from '../server/env';
import { startExportEngine } from '../server/exports/export-engine';
import { exportHeapBudgetMb } from '../server/exports/export-heap';
import { planExport } from '../server/exports/export-plan';
import { inlineParameters } from '../server/exports/formatted/copy-statement';
import { exportSelect } from '../server/exports/record-source';
import { createLogger } from '../server/logger';
import { createClient } from '../server/sdk';
import type { ExportFormat } from '../shared/exports';
import { measureStatusLoad } from './export-status-load';
import { ownChild } from './owned-children';
import { cpuSeconds, peakRssMb, postgresCpuMeter } from './proc-stats';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const argument = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};

if (argument('xlsx-baseline')) {
  await xlsxBaseline(Number(argument('xlsx-baseline')));
  process.exit(0);
}

const rows = Number(argument('rows') ?? 1_000_000);
const formats = (argument('formats') ?? 'csv,xlsx,json,pdf').split(',') as ExportFormat[];
const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  console.error('bench:export needs DATABASE_URL (a Postgres server); it creates its own database there.');
  process.exit(1);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

async function xlsxBaseline(count: number) {
  const ExcelJS = (await import('exceljs')).default;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-xlsx-')), 'baseline.xlsx');
  const started = performance.now();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('People');
  const pool = Array.from({ length: 1000 }, (_, index) => [
    'Chloé',
    `García ${index}`,
    `p${index}@scale.example.com`,
    `0${String(index).padStart(10, '0')}`,
    'Company 42',
    'customer',
    'email',
    'vip, beta',
    new Date(Date.UTC(2026, 0, 1) + index * 1000),
  ]);
  for (let index = 0; index < count; index++) {
    sheet.addRow(pool[index % pool.length]).commit();
    if (index % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  sheet.commit();
  await workbook.commit();
  const seconds = (performance.now() - started) / 1000;
  rmSync(path.dirname(file), { recursive: true, force: true });
  console.log(JSON.stringify({ seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

async function main() {
  const name = `crm_bench_export_${rows}`;
  const admin = postgres(baseUrl as string, { max: 1, onnotice: () => {} });
  const exists = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists.length) await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl as string);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  await migrateDatabase(database);
  await seedDemo(database);
  const [{ count } = { count: 0 }] = await database.query<{ count: number }>(
    `select count(*)::int as count from people p join workspaces w on w.id = p.workspace_id where w.slug = 'acme'`,
  );
  if (count < rows) {
    console.log(`seeding ${rows - count} people into ${name}…`);
    const seeded = await seedScale(database, 'acme', {
      companies: Math.max(1, Math.ceil(rows / 100)),
      people: rows - count,
      conversations: 0,
      activities: 0,
    });
    console.log(`seeded ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s`);
  }
  const [{ total } = { total: 0 }] = await database.query<{ total: number }>(
    `select count(*)::int as total from people p join workspaces w on w.id = p.workspace_id where w.slug = 'acme'`,
  );

  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-export-'));
  const env = loadEnv({
    ...process.env,
    DATABASE_URL: url.toString(),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    PORT: '0',
    // The status load below is one user polling as fast as autocannon can: not what the limiter is for.
    RATE_LIMIT_READS_PER_SECOND: '1000000',
  });
  const services = createServices(env, database, createLogger('warn'));
  const app = await startHttp(services, { port: 0 });
  services.env = { ...services.env, APP_URL: app.url };
  const engine = await startExportEngine(services, { workers: false });
  const login = await fetch(`${app.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'member@acme.test', password: 'demo1234' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const client = createClient({ url: app.url, headers: { Cookie: cookie } });

  const results: Record<string, unknown>[] = [];
  const workerReady = (worker: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('the worker did not start within 60 s')), 60_000);
      worker.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        if (buffered.includes('export worker started')) {
          clearTimeout(timer);
          buffered = '';
          resolve();
        } else if (buffered.length > 1_000_000) buffered = buffered.slice(-1000);
      });
      worker.once('exit', (code) => reject(new Error(`the worker exited with ${code} before starting`)));
    });
  const report = (entry: Record<string, unknown>) => {
    results.push(entry);
    console.log(JSON.stringify(entry));
  };

  // The worker exactly as `npm run worker` runs it (keep the flags in step with package.json): from the
  // esbuild bundle, with its heap budget.
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { cwd: root, stdio: 'inherit' });
  const profileDir = argument('cpu-prof-dir');
  const workerArgs = [
    '--enable-source-maps',
    `--max-old-space-size=${exportHeapBudgetMb}`,
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : []),
    'dist/worker.mjs',
  ];
  for (const format of formats) {
    const worker: ChildProcess = ownChild(
      spawn(process.execPath, workerArgs, {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: url.toString(),
          DATA_DIR: dataDir,
          APP_SECRET: env.APP_SECRET,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    // Timing starts once the worker is listening for jobs: its boot is not part of an export.
    await workerReady(worker);
    let request: Parameters<typeof client.startExport.mutate>[0] = { object: 'people', format };
    if (format === 'pdf') {
      // PDF is capped: export the newest people up to the cap (narrowing the date range until it fits).
      let days = 730 * (env.EXPORT_PDF_ROW_CAP / total) * 0.95;
      for (;;) {
        const from = new Date(Date.now() - days * 86_400_000).toISOString();
        const { total: selected } = await client.people.count.query({
          filter: { created_at: { $gte: from } },
        });
        if (selected <= env.EXPORT_PDF_ROW_CAP) {
          request = { object: 'people', format, dateRange: { attribute: 'created_at', from } };
          break;
        }
        days *= 0.9;
      }
    }
    const started = performance.now();
    const cpuBefore = cpuSeconds(worker.pid);
    const postgresCpu = postgresCpuMeter();
    const summary = await client.startExport.mutate(request);
    let status = summary;
    while (status.status === 'queued' || status.status === 'running') {
      await sleep(50);
      status = await client.exportStatus.query({ exportId: summary.id });
    }
    const seconds = (performance.now() - started) / 1000;
    const postgresCpuSeconds = postgresCpu.stop();
    const peak = peakRssMb(worker.pid);
    const workerCpuSeconds = Math.round((cpuSeconds(worker.pid) - cpuBefore) * 100) / 100;
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    report({
      kind: 'export',
      format,
      status: status.status,
      rows: status.processedRows,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSecond: Math.round(status.processedRows / seconds),
      fileMb: Math.round(((status.fileSize ?? 0) / 1024 / 1024) * 10) / 10,
      workerPeakRssMb: peak,
      // Next to the wall time: how much of it the worker itself was busy (the rest is the database).
      workerCpuSeconds,
      // Everything the database did meanwhile: the export's query, its progress writes, status polls.
      postgresCpuSeconds,
    });
  }

  // exportStatus under load while a 1M-row export runs (one more XLSX export, the longest, so the load
  // fits in it): autocannon in a worker thread of this process, against this process's web server.
  {
    const worker: ChildProcess = ownChild(
      spawn(process.execPath, workerArgs, {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url.toString(), DATA_DIR: dataDir, APP_SECRET: env.APP_SECRET },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    await workerReady(worker);
    const summary = await client.startExport.mutate({ object: 'people', format: 'xlsx' });
    let status = summary;
    while (status.status === 'queued' || (status.status === 'running' && status.processedRows === 0)) {
      await sleep(50);
      status = await client.exportStatus.query({ exportId: summary.id });
    }
    const load = await measureStatusLoad({
      url: app.url,
      headers: { Cookie: cookie },
      exportId: summary.id,
      seconds: 5,
    });
    const during = await client.exportStatus.query({ exportId: summary.id });
    report({ kind: 'status-load', exportStillRunning: during.status === 'running', ...load });
    await client.cancelExport.mutate({ exportId: summary.id });
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }

  // A COPY baseline, timed on its own connection and reported with the same fields as every other.
  const copyBaseline = async (name: string, copy: string, settings: readonly string[] = []) => {
    const { seconds, bytes, postgresCpuSeconds } = await timedCopy(url.toString(), copy, settings);
    report({
      kind: 'baseline',
      name,
      rows: total,
      seconds: round2(seconds),
      rowsPerSecond: Math.round(total / seconds),
      fileMb: Math.round((bytes / 1024 / 1024) * 10) / 10,
      postgresCpuSeconds,
    });
  };

  // Baseline 1: COPY of the people table itself, the same rows with no join, no order and no formatting:
  // what the database can send at most.
  const workspace = await database.query<{ id: string }>(`select id from workspaces where slug = 'acme'`);
  const plainTable = `select * from people where workspace_id = '${workspace[0]?.id}'`;
  if (formats.includes('csv') || formats.includes('json'))
    await copyBaseline('COPY (plain table) TO STDOUT WITH CSV', `copy (${plainTable}) to stdout with csv`);

  // For reference: the same plain rows in the export's order (newest first). Ordering is not optional for
  // an export, and the sort alone is part of what separates an export from baseline 1.
  if (formats.includes('csv'))
    await copyBaseline(
      'COPY (plain table, export order) TO STDOUT WITH CSV',
      `copy (${plainTable} order by created_at desc, id desc) to stdout with csv`,
      // As the export reads this many rows: a scan and a sort (record-source.ts says why).
      ['set enable_indexscan = off'],
    );

  // Baseline 2: COPY of the export's own record query (joins and order, unformatted), for reference.
  const member = await database.query<{ id: string; workspace_id: string; role: 'member' }>(
    `select id, workspace_id, role from users where email = 'member@acme.test'`,
  );
  const user = member[0];
  if (user && formats.includes('csv')) {
    const plan = await planExport(
      database.db,
      { workspaceId: user.workspace_id, userId: user.id, role: 'member' },
      {
        object: 'people',
        format: 'csv',
      },
    );
    // Exactly the query the export's cursor streams.
    const statement = exportSelect(database, plan.query, plan.attributes).toSQL();
    await copyBaseline(
      'COPY (same query) TO STDOUT WITH CSV',
      `copy (${inlineParameters(statement)}) to stdout with csv header`,
    );
  }
  // Baseline 3: exceljs streaming writer fed rows from memory, in a process of its own.
  if (formats.includes('xlsx')) {
    const child = ownChild(
      spawn(process.execPath, ['--import', 'tsx', 'bench/export.ts', '--xlsx-baseline', String(total)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const measured = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
      seconds: number;
      peakRssMb: number;
    };
    report({
      kind: 'baseline',
      name: 'exceljs WorkbookWriter from memory',
      rows: total,
      seconds: Math.round(measured.seconds * 100) / 100,
      rowsPerSecond: Math.round(total / measured.seconds),
      peakRssMb: measured.peakRssMb,
    });
  }

  await engine.stop();
  await app.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });

  const file = path.join(root, 'bench', 'results.json');
  const previous = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, StoredRun>)
    : {};
  const targets = checkTargets(rows, results, previous);
  printTargets(targets);
  previous[String(rows)] = { at: new Date().toISOString(), peopleInDatabase: total, results, targets };
  writeFileSync(file, `${JSON.stringify(previous, null, 2)}\n`);
  console.log(`results written to bench/results.json under "${rows}"`);
}

/**
 * Runs a `COPY … TO STDOUT` on a connection of its own and drops the bytes, with the session settings
 * the export's transaction uses (see record-source.ts), so a baseline differs from an export only in what
 * the query is and how the rows leave the database.
 */
async function timedCopy(url: string, copy: string, settings: readonly string[] = []) {
  const client = postgres(url, { max: 1 });
  await client.unsafe('set jit = off');
  for (const setting of settings) await client.unsafe(setting);
  const started = performance.now();
  const postgresCpu = postgresCpuMeter();
  let bytes = 0;
  await pipeline(
    await client.unsafe(copy).readable(),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const postgresCpuSeconds = postgresCpu.stop();
  await client.end();
  return { seconds, bytes, postgresCpuSeconds };
}

interface StoredRun {
  at: string;
  peopleInDatabase: number;
  results: Record<string, unknown>[];
  targets?: TargetCheck[];
}

interface TargetCheck {
  target: string;
  measured: string;
  status: 'met' | 'missed' | 'not measured';
}

const numberOf = (entry: Record<string, unknown> | undefined, key: string): number | undefined =>
  typeof entry?.[key] === 'number' ? entry[key] : undefined;

const exportOf = (results: readonly Record<string, unknown>[], format: string) =>
  results.find((entry) => entry.kind === 'export' && entry.format === format && entry.status === 'completed');

function ratioCheck(target: string, ours: number | undefined, base: number | undefined, min: number) {
  if (ours === undefined || base === undefined)
    return { target, measured: 'format or baseline not run', status: 'not measured' } as const;
  const ratio = ours / base;
  return {
    target,
    measured: `${ours.toLocaleString('en')} vs ${base.toLocaleString('en')} rows/s = ${ratio.toFixed(2)}x`,
    status: ratio >= min ? 'met' : 'missed',
  } as const;
}

function cpuCheck(target: string, ours: number | undefined, base: number | undefined): TargetCheck {
  if (ours === undefined || base === undefined)
    return { target, measured: 'format or baseline not run', status: 'not measured' };
  return {
    target,
    measured: `${ours} vs ${base} CPU s = ${(ours / base).toFixed(2)}x`,
    status: ours <= 1.5 * base ? 'met' : 'missed',
  };
}

/** The targets, from this run and, for the 1M/100k memory ratio, the stored run of the other size. */
function checkTargets(
  rows: number,
  results: readonly Record<string, unknown>[],
  stored: Record<string, StoredRun>,
): TargetCheck[] {
  const baseline = (name: string) =>
    results.find((entry) => entry.kind === 'baseline' && entry.name === name);
  const plainCopy = baseline('COPY (plain table) TO STDOUT WITH CSV');
  const csv = exportOf(results, 'csv');
  const statusLoad = results.find((entry) => entry.kind === 'status-load');
  const checks: TargetCheck[] = [
    ratioCheck(
      'CSV >= 0.7x plain-table COPY rows/s',
      numberOf(csv, 'rowsPerSecond'),
      numberOf(plainCopy, 'rowsPerSecond'),
      0.7,
    ),
    ratioCheck(
      'JSON >= 0.6x plain-table COPY rows/s',
      numberOf(exportOf(results, 'json'), 'rowsPerSecond'),
      numberOf(plainCopy, 'rowsPerSecond'),
      0.6,
    ),
    cpuCheck(
      "CSV export's Postgres CPU <= 1.5x plain-table COPY's",
      numberOf(csv, 'postgresCpuSeconds'),
      numberOf(plainCopy, 'postgresCpuSeconds'),
    ),
    // Not the issue's target: the export keeps `*.list`'s order, and sorting alone costs the plain table
    // 1.4-1.5x its unordered COPY's CPU; this says what the joins and the formatting add on top.
    cpuCheck(
      "(reference) the same against the plain-table COPY in the export's order",
      numberOf(csv, 'postgresCpuSeconds'),
      numberOf(baseline('COPY (plain table, export order) TO STDOUT WITH CSV'), 'postgresCpuSeconds'),
    ),
    ratioCheck(
      'XLSX >= 4x bare exceljs writer rows/s',
      numberOf(exportOf(results, 'xlsx'), 'rowsPerSecond'),
      numberOf(baseline('exceljs WorkbookWriter from memory'), 'rowsPerSecond'),
      4,
    ),
    statusLoad
      ? {
          target: 'exportStatus >= 1,000 req/s, p99 < 50 ms during a 1M-row export',
          measured: `${numberOf(statusLoad, 'requestsPerSecond')} req/s, p50 ${numberOf(statusLoad, 'p50Ms')} ms, p99 ${numberOf(statusLoad, 'p99Ms')} ms, ${numberOf(statusLoad, 'errors')} errors, ${numberOf(statusLoad, 'non2xx')} non-2xx${statusLoad.exportStillRunning ? '' : ' (the export ended during the load)'}`,
          status:
            (numberOf(statusLoad, 'requestsPerSecond') ?? 0) >= 1000 &&
            (numberOf(statusLoad, 'p99Ms') ?? Number.POSITIVE_INFINITY) < 50 &&
            !numberOf(statusLoad, 'errors') &&
            !numberOf(statusLoad, 'non2xx')
              ? 'met'
              : 'missed',
        }
      : { target: 'exportStatus >= 1,000 req/s, p99 < 50 ms', measured: 'not run', status: 'not measured' },
  ];
  const small = rows === 1_000_000 ? stored['100000'] : rows === 100_000 ? stored['1000000'] : undefined;
  for (const format of formats) {
    const peak = numberOf(exportOf(results, format), 'workerPeakRssMb');
    checks.push(
      peak === undefined
        ? { target: `${format} peak RSS < 250 MB`, measured: 'not run', status: 'not measured' }
        : {
            target: `${format} peak RSS < 250 MB`,
            measured: `${peak} MB`,
            status: peak < 250 ? 'met' : 'missed',
          },
    );
    const other = numberOf(exportOf(small?.results ?? [], format), 'workerPeakRssMb');
    const [at1M, at100k] = rows === 1_000_000 ? [peak, other] : [other, peak];
    const target = `${format} peak RSS at 1M <= 1.2x at 100k`;
    if (at1M === undefined || at100k === undefined || !small) {
      checks.push({ target, measured: 'needs runs at both 100k and 1M', status: 'not measured' });
      continue;
    }
    checks.push({
      target,
      measured: `${at1M} / ${at100k} MB = ${(at1M / at100k).toFixed(2)}x (other size: run of ${small.at})`,
      status: at1M <= 1.2 * at100k ? 'met' : 'missed',
    });
  }
  return checks;
}

function printTargets(checks: readonly TargetCheck[]) {
  const width = Math.max(...checks.map((check) => check.target.length));
  const measuredWidth = Math.max(...checks.map((check) => check.measured.length));
  console.log(`\n${'target'.padEnd(width)}  ${'measured'.padEnd(measuredWidth)}  status`);
  for (const check of checks)
    console.log(`${check.target.padEnd(width)}  ${check.measured.padEnd(measuredWidth)}  ${check.status}`);
  console.log('');
}

await main();
