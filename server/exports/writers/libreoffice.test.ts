import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { CrmRecord } from '../../../shared/records';
import { readCsv, zipParts } from '../testing/read-export-file';
import { type ExportColumn, type WriterOptions, writerFactories } from './index';

/**
 * What a person opening the files gets: LibreOffice (headless, `.ci/run` installs libreoffice-calc-nogui)
 * converts them, and the values it read are checked. Outside CI the test is skipped without it.
 */
const soffice = ['/usr/bin/soffice', '/usr/local/bin/soffice'].find((candidate) => existsSync(candidate));
// No database is involved: CI's Postgres pass leaves it to the PGlite pass (it takes most of a minute).
const skip = process.env.DATABASE_URL
  ? 'no database involved: runs in the PGlite pass'
  : !soffice && !process.env.CI
    ? 'LibreOffice (soffice) is not installed'
    : false;
const run = promisify(execFile);

const columns: ExportColumn[] = [
  { slug: 'phone', label: 'Phone', type: 'phone' },
  { slug: 'note', label: 'Note', type: 'text' },
  { slug: 'employees', label: 'Employees', type: 'number' },
  { slug: 'founded_on', label: 'Founded on', type: 'date' },
  { slug: 'created_at', label: 'Created at', type: 'timestamp' },
];

/** Ordinary values that look a little like formulas, then values that would run. */
const ordinary = ['+33 1 23 45 67 89', '+1 (482) 717-4594', '-12.5', '2026-11-19', '-', '007123456'];
const dangerous = [
  '=1+1',
  '=HYPERLINK("http://evil.example","Click")',
  "-2+3+cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '+1+A1',
];
const records: CrmRecord[] = [...ordinary, ...dangerous].map((text, index) => ({
  id: `${index}`,
  phone: ordinary[index % 2] ?? null,
  note: text,
  employees: -5 - index,
  founded_on: '1999-12-31',
  created_at: '2026-11-19T22:19:07.000Z',
}));

const options: WriterOptions = {
  includeBom: true,
  delimiter: ',',
  timezone: 'Europe/Paris',
  jsonLines: false,
  values: 'labels',
  dateFormat: 'spreadsheet',
  title: 'People',
  summary: [],
};

async function write(format: 'csv' | 'xlsx'): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  const writer = writerFactories[format](out, options);
  await writer.writeHeader(columns);
  await writer.writeRows(records);
  await writer.finish();
  return Buffer.concat(chunks);
}

const directory = mkdtempSync(path.join(tmpdir(), 'crm-libreoffice-'));

/**
 * `file` converted by LibreOffice to `to`. CSV is read the way that makes formulas most dangerous:
 * `=` cells evaluated, special numbers (dates) detected (filter options 13 and 8).
 */
async function convert(name: string, content: Buffer, to: string): Promise<Buffer> {
  const input = path.join(directory, name);
  writeFileSync(input, content);
  const outdir = path.join(directory, `out-${name}-${to.replace(/\W/g, '')}`);
  const infilter = name.endsWith('.csv')
    ? ['--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true']
    : [];
  await run(
    soffice ?? 'soffice',
    [
      `-env:UserInstallation=file://${directory}/profile`,
      '--headless',
      ...infilter,
      '--convert-to',
      to,
      '--outdir',
      outdir,
      input,
    ],
    { timeout: 120_000 },
  );
  const extension = to.split(':')[0] ?? to;
  return readFileSync(path.join(outdir, `${path.basename(name, path.extname(name))}.${extension}`));
}

interface SheetCell {
  type: 'string' | 'number' | 'formula' | 'empty';
  text: string;
  /** The number format of a number cell, to tell a date from a plain number. */
  format: string;
}

/** The first sheet of an XLSX as LibreOffice wrote it: each cell's kind, text and number format. */
function cellsOf(xlsx: Buffer): SheetCell[][] {
  const parts = zipParts(xlsx);
  const shared = [...(parts.get('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map(
    (match) =>
      [...(match[1] ?? '').matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)]
        .map((text) => xmlText(text[1] ?? ''))
        .join(''),
  );
  const styles = parts.get('xl/styles.xml') ?? '';
  const formats = new Map(
    [...styles.matchAll(/<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/g)].map((match) => [
      match[1],
      xmlText(match[2] ?? ''),
    ]),
  );
  const xfs = [
    ...(styles.match(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/)?.[1] ?? '').matchAll(
      /<xf [^>]*numFmtId="(\d+)"/g,
    ),
  ].map((match) => match[1] ?? '0');
  const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
  return [...sheet.matchAll(/<row [^>]*>([\s\S]*?)<\/row>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<c ([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)].map((cell) => {
      const attributes = cell[1] ?? '';
      const body = cell[2] ?? '';
      const value = xmlText(/<v>([\s\S]*?)<\/v>/.exec(body)?.[1] ?? '');
      const style = Number(/ s="(\d+)"/.exec(attributes)?.[1] ?? 0);
      const format = formats.get(xfs[style] ?? '0') ?? `builtin ${xfs[style] ?? '0'}`;
      if (/<f[ >]/.test(body)) return { type: 'formula', text: value, format };
      if (/ t="s"/.test(attributes)) return { type: 'string', text: shared[Number(value)] ?? '', format };
      if (/ t="(str|inlineStr)"/.test(attributes))
        return { type: 'string', text: xmlText(/<t[^>]*>([\s\S]*?)<\/t>/.exec(body)?.[1] ?? value), format };
      if (!body) return { type: 'empty', text: '', format };
      return { type: 'number', text: value, format };
    }),
  );
}

function xmlText(xml: string): string {
  return xml
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Days since 1899-12-30 (a spreadsheet's date number) of a wall-clock time. */
const serial = (wallClock: string) => Date.parse(`${wallClock.replace(' ', 'T')}Z`) / 86_400_000 + 25_569;

describe('export files opened by LibreOffice', { skip }, () => {
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('CSV: ordinary values read back as stored, dangerous ones as text, dates as dates', async () => {
    const csv = await write('csv');
    const rows = cellsOf(await convert('people.csv', csv, 'xlsx'));
    assert.deepEqual(
      rows[0]?.map((cell) => cell.text),
      columns.map((column) => column.label),
    );
    const body = rows.slice(1);
    assert.equal(body.length, records.length);
    for (const [index, row] of body.entries()) {
      const [phone, note, employees, founded, created] = row;
      assert.deepEqual(phone, { type: 'string', text: ordinary[index % 2], format: phone?.format });
      assert.equal(employees?.type, 'number');
      assert.equal(Number(employees?.text), -5 - index);
      assert.equal(founded?.type, 'number', 'the date is a date');
      assert.equal(Number(founded?.text), serial('1999-12-31 00:00:00'));
      assert.match(founded?.format ?? '', /Y|builtin 14/i);
      assert.equal(created?.type, 'number', 'the spreadsheet timestamp is a date');
      assert.ok(Math.abs(Number(created?.text) - serial('2026-11-19 23:19:07')) < 1e-6, created?.text);
      assert.match(created?.format ?? '', /h/i);
      const text = String(records[index]?.note);
      if (index < ordinary.length) {
        // Numbers and dates among the notes become numbers and dates, as anyone typing them would get.
        if (text === '-12.5') assert.deepEqual([note?.type, Number(note?.text)], ['number', -12.5]);
        else if (text === '2026-11-19') assert.deepEqual([note?.type, Number(note?.text)], ['number', 46345]);
        else if (text === '007123456')
          assert.equal(note?.type, 'number', 'a CSV cannot say text: Excel does the same');
        else assert.deepEqual([note?.type, note?.text], ['string', text], text);
      } else {
        assert.equal(note?.type, 'string', `${text} is text, not a formula`);
        assert.equal(note?.text, `'${text}`, text);
      }
    }
    // Without the apostrophe, the same LibreOffice does run it: the neutralising is what keeps it text.
    const unsafe = Buffer.from(`\uFEFFNote\r\n=1+1\r\n`);
    const [, [formula] = []] = cellsOf(await convert('unsafe.csv', unsafe, 'xlsx'));
    assert.deepEqual([formula?.type, formula?.text], ['formula', '2']);
    // And a CSV read back as CSV keeps every ordinary value exactly.
    const { rows: again } = readCsv(
      await convert('people.csv', csv, 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true'),
    );
    assert.deepEqual(
      again.slice(1, 3).map((row) => row[0]),
      ['+33 1 23 45 67 89', '+1 (482) 717-4594'],
    );
  });

  test('XLSX: phones and formula-like text as stored (no apostrophe), never run; timestamps are dates', async () => {
    const xlsx = await write('xlsx');
    const rows = cellsOf(await convert('people.xlsx', xlsx, 'xlsx'));
    assert.equal(rows.length, records.length + 1);
    for (const [index, row] of rows.slice(1).entries()) {
      const [phone, note, employees, founded, created] = row;
      assert.deepEqual([phone?.type, phone?.text], ['string', ordinary[index % 2]]);
      assert.deepEqual([note?.type, note?.text], ['string', records[index]?.note], 'the value, as text');
      assert.deepEqual([employees?.type, Number(employees?.text)], ['number', -5 - index]);
      assert.deepEqual([founded?.type, Number(founded?.text)], ['number', serial('1999-12-31 00:00:00')]);
      assert.equal(created?.type, 'number');
      assert.ok(Math.abs(Number(created?.text) - serial('2026-11-19 23:19:07')) < 1e-6, created?.text);
      assert.match(created?.format ?? '', /h/i);
    }
    // Converted to CSV, what LibreOffice shows: the values exactly, dates in the file's format.
    const { rows: shown } = readCsv(await convert('people.xlsx', xlsx, 'csv'));
    assert.equal(shown.length, records.length + 1);
    for (const [index, row] of shown.slice(1).entries()) {
      assert.deepEqual(row, [
        ordinary[index % 2],
        String(records[index]?.note),
        String(-5 - index),
        '1999-12-31',
        '2026-11-19 23:19:07',
      ]);
    }
  });
});
