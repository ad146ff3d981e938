/**
 * `npm run bench:xlsx [-- --rows N] [--level L] [--timezone Z]`: the XLSX writer against exceljs's
 * streaming WorkbookWriter, both fed the same rows from memory (the row pool of bench/export.ts's
 * exceljs baseline) and writing a file. Each runs in a process of its own, so each peak RSS is its own;
 * both run under tsx, whose loader alone takes ~85 MB of it (see scripts/build-worker.mjs).
 *
 * exceljs gets each row as an array of values with a Date, as the baseline does; our writer gets
 * records as the export engine hands them (a reference, a select, a multiselect, an ISO timestamp
 * shown in `--timezone`), so it does the work an export does. `--level` overrides the writer's deflate
 * level, to compare levels.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { ExportColumn } from '../server/exports/writers/cell-values';
import { createXlsxWriter } from '../server/exports/writers/xlsx-writer';
import type { CrmRecord } from '../shared/records';
import { ownChild } from './owned-children';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const argument = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const rows = Number(argument('rows') ?? 1_000_000);
const level = argument('level');
const timezone = argument('timezone') ?? 'Europe/Paris';
const batchSize = 1000;

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  fileMb: number;
}

const pool = Array.from({ length: batchSize }, (_, index) => ({
  firstName: 'Chloé',
  lastName: `García ${index}`,
  email: `p${index}@scale.example.com`,
  phone: `0${String(index).padStart(10, '0')}`,
  company: 'Company 42',
  status: 'customer',
  source: 'email',
  tags: ['vip', 'beta'],
  createdAt: new Date(Date.UTC(2026, 0, 1) + index * 1000),
}));

const columns: ExportColumn[] = [
  { slug: 'first_name', label: 'First name', type: 'text' },
  { slug: 'last_name', label: 'Last name', type: 'text' },
  { slug: 'email', label: 'Email', type: 'email' },
  { slug: 'phone', label: 'Phone', type: 'phone' },
  { slug: 'company', label: 'Company', type: 'reference' },
  { slug: 'status', label: 'Status', type: 'select' },
  { slug: 'source', label: 'Source', type: 'select' },
  { slug: 'tags', label: 'Tags', type: 'multiselect' },
  { slug: 'created_at', label: 'Created at', type: 'timestamp' },
];

async function runExceljs(file: string): Promise<void> {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('People');
  const values = pool.map((row) => [
    row.firstName,
    row.lastName,
    row.email,
    row.phone,
    row.company,
    row.status,
    row.source,
    row.tags.join(', '),
    row.createdAt,
  ]);
  for (let index = 0; index < rows; index++) {
    sheet.addRow(values[index % values.length]).commit();
    if (index % batchSize === batchSize - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  sheet.commit();
  await workbook.commit();
}

async function runWriter(file: string): Promise<void> {
  const records: CrmRecord[] = pool.map((row, index) => ({
    id: String(index),
    first_name: row.firstName,
    last_name: row.lastName,
    email: row.email,
    phone: row.phone,
    company: { id: 'c42', name: row.company },
    status: row.status,
    source: row.source,
    tags: row.tags,
    created_at: row.createdAt.toISOString(),
  }));
  const out = createWriteStream(file);
  const writer = createXlsxWriter(
    out,
    {
      includeBom: false,
      delimiter: ',',
      timezone,
      jsonLines: false,
      values: 'labels',
      dateFormat: 'iso',
      title: 'People',
      summary: [],
    },
    level === undefined ? {} : { compressionLevel: Number(level) },
  );
  await writer.writeHeader(columns);
  for (let written = 0; written < rows; written += batchSize)
    await writer.writeRows(written + batchSize <= rows ? records : records.slice(0, rows - written));
  await writer.finish();
  await finished(out);
}

/** In a child: writes the file, prints what it measured as one JSON line. */
async function child(kind: string): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-xlsx-writer-'));
  const file = path.join(directory, `${kind}.xlsx`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (kind === 'exceljs') await runExceljs(file);
  else await runWriter(file);
  const used = process.cpuUsage(cpu);
  const measured: Measured = {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    fileMb: Math.round((statSync(file).size / 1024 / 1024) * 10) / 10,
  };
  rmSync(directory, { recursive: true, force: true });
  console.log(JSON.stringify(measured));
}

async function measure(kind: string): Promise<Measured> {
  const forwarded = ['--rows', String(rows), '--timezone', timezone, ...(level ? ['--level', level] : [])];
  const running = ownChild(
    spawn(process.execPath, ['--import', 'tsx', 'bench/xlsx-writer.ts', '--child', kind, ...forwarded], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let output = '';
  running.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => running.once('exit', resolve));
  if (code !== 0) throw new Error(`the ${kind} run exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Measured;
}

const kind = argument('child');
if (kind) {
  await child(kind);
} else {
  console.log(`${rows} rows, 9 columns, timestamps in ${timezone}${level ? `, deflate level ${level}` : ''}`);
  const results: Record<string, Measured> = {};
  for (const [name, label] of [
    ['exceljs', 'exceljs WorkbookWriter'],
    ['writer', 'xlsx-writer (yazl)'],
  ] as const) {
    const measured = await measure(name);
    results[name] = measured;
    console.log(
      `${label.padEnd(24)} ${String(Math.round(rows / measured.seconds)).padStart(8)} rows/s  ` +
        `${measured.seconds.toFixed(2)} s  cpu ${measured.cpuSeconds.toFixed(2)} s  ` +
        `peak RSS ${measured.peakRssMb} MB  file ${measured.fileMb} MB`,
    );
  }
  const ratio = (results.exceljs?.seconds ?? Number.NaN) / (results.writer?.seconds ?? Number.NaN);
  console.log(`ratio (exceljs time / writer time): ${ratio.toFixed(2)}×`);
}
