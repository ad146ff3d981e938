import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { constants, inflateRawSync } from 'node:zlib';
import type { CrmRecord } from '../../../shared/records';
import { readCsv, readXlsx, zipParts } from '../testing/read-export-file';
import type { ExportColumn, WriterOptions } from './export-writer';
import { createXlsxWriter, maxDataRowsPerSheet, type XlsxWriterTuning, xmlEscaped } from './xlsx-writer';

const options: WriterOptions = {
  includeBom: false,
  delimiter: ',',
  timezone: 'Europe/Paris',
  jsonLines: false,
  values: 'labels',
  dateFormat: 'iso',
  title: 'People',
  summary: [],
};

const columns: ExportColumn[] = [
  { slug: 'name', label: 'Name', type: 'text' },
  { slug: 'employees', label: 'Employees', type: 'number' },
  { slug: 'founded_on', label: 'Founded on', type: 'date' },
  { slug: 'created_at', label: 'Created at', type: 'timestamp' },
  { slug: 'status', label: 'Status', type: 'select' },
];

/** Every character XML 1.0 cannot hold, between ones it can (a valid pair: an emoji). */
const invalidXml = 'a\u0000b\u0001c\u0008d\u000Be\u000Cf\u000Eg\u001Fh\uFFFEi\uFFFFj\uD800k\uDC00l😀m';
const invalidXmlShown = 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi\uFFFDj\uFFFDk\uFFFDl😀m';
const markup = `Tom & Jerry <b>"quoted"</b> it's`;
const whitespace = ' two\tlines\r\nand a CR\r ';

async function written(
  records: readonly (readonly CrmRecord[])[],
  overrides: Partial<WriterOptions> = {},
  tuning: XlsxWriterTuning = {},
  chosen: ExportColumn[] = columns,
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = createXlsxWriter(out, { ...options, ...overrides }, tuning);
  await writer.writeHeader(chosen);
  for (const batch of records) await writer.writeRows(batch);
  await writer.finish();
  return Buffer.concat(chunks);
}

const person = (index: number): CrmRecord => ({
  id: String(index),
  name: `Person ${index}`,
  employees: index,
  founded_on: '1999-12-31',
  created_at: '2026-06-01T10:00:00.000Z',
  status: 'lead',
});

/** The `<xf>` elements of styles.xml's cellXfs, and each custom number format by id. */
function stylesOf(parts: Map<string, string>) {
  const styles = parts.get('xl/styles.xml') ?? '';
  const xfs = [
    ...(styles.match(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/)?.[1] ?? '').matchAll(/<xf [^>]*>/g),
  ].map((match) => match[0]);
  const formats = new Map(
    [...styles.matchAll(/<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/g)].map((match) => [
      match[1],
      match[2],
    ]),
  );
  return { xfs, formats };
}

describe('XLSX writer', () => {
  test('text is escaped; characters XML cannot hold become U+FFFD; CR, tabs and edge spaces are kept', async () => {
    assert.equal(xmlEscaped(markup), 'Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; it&apos;s');
    assert.equal(xmlEscaped(invalidXml), invalidXmlShown);
    assert.equal(xmlEscaped('a\rb'), 'a&#13;b');
    assert.equal(xmlEscaped('plain 株式会社 😀'), 'plain 株式会社 😀');

    const buffer = await written([
      [
        { id: '1', name: markup, status: 'a&b' },
        { id: '2', name: invalidXml },
        { id: '3', name: whitespace },
      ],
    ]);
    // exceljs's reader is a strict XML parser: one invalid character and it refuses the whole file.
    const [sheet] = (await readXlsx(buffer)).sheets;
    assert.deepEqual(
      sheet?.rows.slice(1).map((row) => [row[0], row[4]]),
      [
        [markup, 'A&b'],
        [invalidXmlShown, null],
        [whitespace, null],
      ],
    );
    const xml = zipParts(buffer).get('xl/worksheets/sheet1.xml') ?? '';
    assert.match(xml, /<t xml:space="preserve"> two\tlines&#13;\nand a CR&#13; <\/t>/);
    assert.match(xml, /<t>Tom &amp; Jerry/, 'no xml:space without spaces at the ends');
  });

  test('numbers are numbers; dates and timestamps are date numbers (days since 1899-12-30) with their format', async () => {
    const parts = zipParts(
      await written([
        [
          person(1),
          {
            id: '2',
            name: '',
            employees: null,
            founded_on: 'someday',
            created_at: 'not a time',
            status: null,
          },
          // Spring forward in Paris at 01:00 UTC: 00:30 UTC is 01:30 local, 01:30 UTC is 03:30 local.
          { id: '3', created_at: '2026-03-29T00:30:00.000Z', founded_on: '1900-03-01' },
          { id: '4', created_at: '2026-03-29T01:30:00.000Z', employees: -1.25e-7 },
        ],
      ]),
    );
    const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
    const { xfs, formats } = stylesOf(parts);
    const cell = (ref: string) => {
      const match = new RegExp(`<c r="${ref}"([^>]*)>(.*?)</c>`).exec(sheet);
      const style = Number(/ s="(\d+)"/.exec(match?.[1] ?? '')?.[1] ?? 0);
      const format = /numFmtId="(\d+)"/.exec(xfs[style] ?? '')?.[1] ?? '0';
      return { attributes: match?.[1], body: match?.[2], format: formats.get(format) ?? format };
    };
    assert.deepEqual(cell('B2'), { attributes: '', body: '<v>1</v>', format: '0' });
    assert.deepEqual(cell('C2'), { attributes: ' s="1"', body: '<v>36525</v>', format: 'yyyy-mm-dd' });
    // 12:00 in Paris (UTC+2 in June) is half a day.
    assert.deepEqual(cell('D2'), {
      attributes: ' s="2"',
      body: '<v>46174.5</v>',
      format: 'yyyy-mm-dd hh:mm:ss',
    });
    assert.equal(cell('C4').body, '<v>61</v>');
    const number = (ref: string) => Number(/<v>(.*)<\/v>/.exec(cell(ref).body ?? '')?.[1]);
    assert.ok(Math.abs(number('D4') - (46110 + 1.5 / 24)) < 1e-9, cell('D4').body);
    assert.ok(Math.abs(number('D5') - (46110 + 3.5 / 24)) < 1e-9, cell('D5').body);
    assert.equal(cell('B5').body, '<v>-1.25e-7</v>');
    // What is not a date stays text; empty values and nulls are no cell at all.
    assert.match(cell('C3').body ?? '', /<t>someday<\/t>/);
    assert.match(cell('D3').body ?? '', /<t>not a time<\/t>/);
    assert.match(sheet, /<row r="3"><c r="C3"/);
    assert.doesNotMatch(sheet, /<c r="[ABE]3"/);
  });

  test('text that reads as a formula is a string cell styled quotePrefix; others are not', async () => {
    const risky = ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', '\nx'];
    const safe = ['1+1', 'a=b', ' =1'];
    const buffer = await written([[...risky, ...safe].map((name, index) => ({ id: `${index}`, name }))]);
    const parts = zipParts(buffer);
    const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
    const { xfs } = stylesOf(parts);
    assert.doesNotMatch(sheet, /<f>/);
    [...risky, ...safe].forEach((text, index) => {
      const attributes = new RegExp(`<c r="A${index + 2}"([^>]*)>`).exec(sheet)?.[1] ?? '';
      assert.match(attributes, /t="inlineStr"/, text);
      const style = xfs[Number(/ s="(\d+)"/.exec(attributes)?.[1] ?? 0)] ?? '';
      assert.equal(/quotePrefix="1"/.test(style), index < risky.length, JSON.stringify(text));
    });
    const [read] = (await readXlsx(buffer)).sheets;
    assert.deepEqual(
      read?.rows.slice(1).map((row) => row[0]),
      [...risky, ...safe],
    );
  });

  test(`past the rows a sheet holds (${maxDataRowsPerSheet}), the next sheet starts with its own header, freeze and filter`, async () => {
    const title = 'A title far longer than thirty-one characters';
    const buffer = await written(
      // Batches that end mid-sheet, on a sheet's end, and span two sheets.
      [[person(1), person(2)], [person(3), person(4), person(5), person(6), person(7)], [person(8)]],
      { title },
      { maxDataRowsPerSheet: 3 },
    );
    const { sheets } = await readXlsx(buffer);
    assert.deepEqual(
      sheets.map((sheet) => sheet.name),
      [title.slice(0, 31), `${title.slice(0, 24)} (2)`, `${title.slice(0, 24)} (3)`],
    );
    assert.deepEqual(
      sheets.map((sheet) => sheet.rows.slice(1).map((row) => row[0])),
      [
        ['Person 1', 'Person 2', 'Person 3'],
        ['Person 4', 'Person 5', 'Person 6'],
        ['Person 7', 'Person 8'],
      ],
    );
    for (const sheet of sheets) {
      assert.deepEqual(
        sheet.rows[0],
        columns.map((column) => column.label),
      );
      assert.ok(sheet.frozen && sheet.headerBold && sheet.autoFilter, sheet.name);
    }
    const parts = zipParts(buffer);
    assert.match(parts.get('xl/worksheets/sheet3.xml') ?? '', /<autoFilter ref="A1:E3"\/>/);
    const workbook = parts.get('xl/workbook.xml') ?? '';
    assert.deepEqual(
      [
        ...workbook.matchAll(
          /<definedName name="_xlnm._FilterDatabase" localSheetId="(\d)" hidden="1">([^<]*)</g,
        ),
      ].map((match) => [match[1], match[2]]),
      [
        ['0', `&apos;${title.slice(0, 31)}&apos;!$A$1:$E$4`],
        ['1', `&apos;${title.slice(0, 24)} (2)&apos;!$A$1:$E$4`],
        ['2', `&apos;${title.slice(0, 24)} (3)&apos;!$A$1:$E$3`],
      ],
    );
    assert.match(parts.get('[Content_Types].xml') ?? '', /\/xl\/worksheets\/sheet3\.xml/);
  });

  test('a workbook without rows (or without writeHeader) is still a workbook with one sheet', async () => {
    const [sheet] = (await readXlsx(await written([]))).sheets;
    assert.deepEqual(sheet?.rows, [columns.map((column) => column.label)]);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writer = createXlsxWriter(out, options);
    await writer.finish();
    assert.equal((await readXlsx(Buffer.concat(chunks))).sheets.length, 1);
  });

  test('writeRows waits while `out` takes nothing: XML does not pile up in memory, and all of it arrives once it drains', async () => {
    let open = false;
    let waiting: (() => void)[] = [];
    let received = 0;
    const chunks: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        received += chunk.length;
        if (open) setImmediate(done);
        else waiting.push(done);
      },
    });
    const writer = createXlsxWriter(out, options);
    await writer.writeHeader(columns);
    // ~180 kB of XML per batch, not very compressible (distinct hex), so deflate does not hide it.
    const batch = (number: number) =>
      Array.from({ length: 1000 }, (_, index) => ({
        ...person(number * 1000 + index),
        name: `${(number * 7919 + index * 104_729).toString(16)}-${Math.random().toString(36)}`,
      }));
    let accepted = 0;
    let pending: Promise<void> | undefined;
    while (accepted < 100) {
      const write = writer.writeRows(batch(accepted));
      const resolved = await Promise.race([write.then(() => true), sleep(500).then(() => false)]);
      if (!resolved) {
        pending = write;
        break;
      }
      accepted += 1;
    }
    assert.ok(pending, 'writeRows stopped resolving while nothing drained');
    // What was accepted: the sheet's buffer (1 MB), a batch or two in the pipes, and out's 16 kB.
    assert.ok(accepted <= 12, `${accepted} batches (~${accepted * 180} kB) accepted without draining`);
    const heldBefore = received;
    await sleep(200);
    assert.equal(received, heldBefore, 'nothing more reached out while it was full');
    // Slowly drained, it all arrives, in order.
    open = true;
    for (const done of waiting) setImmediate(done);
    waiting = [];
    await pending;
    for (let number = accepted + 1; number < accepted + 5; number++) await writer.writeRows(batch(number));
    await writer.finish();
    // (exceljs's reader takes most of a minute over these rows: the XML is read directly.)
    const sheet = zipParts(Buffer.concat(chunks)).get('xl/worksheets/sheet1.xml') ?? '';
    const last = (accepted + 5) * 1000 + 1;
    assert.equal(sheet.match(/<row /g)?.length, last);
    assert.match(
      sheet,
      new RegExp(
        `<row r="${last}"><c r="A${last}" t="inlineStr"><is><t>[^<]+</t></is></c><c r="B${last}"><v>${last - 2}</v>`,
      ),
    );
  });

  test('with `out` draining slowly, the XML waiting inside the writer stays bounded (exceljs #2916 let it grow)', async () => {
    const received: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        setTimeout(done, 2);
      },
    });
    const writer = createXlsxWriter(out, options);
    await writer.writeHeader(columns);
    const batches = 40;
    const snapshots: { rows: number; received: Buffer }[] = [];
    for (let number = 0; number < batches; number++) {
      await writer.writeRows(
        Array.from({ length: 1000 }, (_, index) => ({
          ...person(number * 1000 + index),
          name: `${Math.random().toString(36)}${Math.random().toString(36)}`,
        })),
      );
      snapshots.push({ rows: (number + 1) * 1000, received: Buffer.concat(received) });
    }
    await writer.finish();
    // The sheet is the zip's first entry: its deflated XML follows a 30-byte header and its name.
    const sheet = zipParts(Buffer.concat(received)).get('xl/worksheets/sheet1.xml') ?? '';
    const dataStart = 30 + 'xl/worksheets/sheet1.xml'.length;
    const held = snapshots.map(({ rows, received: sent }) => {
      const accepted = Buffer.byteLength(sheet.slice(0, sheet.indexOf(`<row r="${rows + 2}"`)));
      const delivered =
        sent.length > dataStart
          ? inflateRawSync(sent.subarray(dataStart), { finishFlush: constants.Z_SYNC_FLUSH }).length
          : 0;
      return accepted - delivered;
    });
    const batchBytes = Buffer.byteLength(sheet) / batches;
    // The sheet's buffer (1 MB) and a few batches in the pipes between it and `out`.
    assert.ok(
      Math.max(...held) < 1024 * 1024 + 6 * batchBytes,
      `held ${held.map((bytes) => Math.round(bytes / 1024))} kB`,
    );
  });

  test('writeRows fails instead of waiting forever when `out` is destroyed while full', async () => {
    const out = new Writable({ highWaterMark: 1024, write: () => {} });
    out.on('error', () => {});
    const writer = createXlsxWriter(out, options);
    await writer.writeHeader(columns);
    const rows = Array.from({ length: 2000 }, (_, index) => ({
      ...person(index),
      name: Math.random().toString(36),
    }));
    const writing = (async () => {
      for (;;) await writer.writeRows(rows);
    })();
    await sleep(300);
    out.destroy(new Error('the upload failed'));
    await assert.rejects(writing);
  });
});

/** LibreOffice (headless) reading the files back, as libreoffice.test.ts does for CSV and XLSX. */
const soffice = ['/usr/bin/soffice', '/usr/local/bin/soffice'].find((candidate) => existsSync(candidate));
const skip = process.env.DATABASE_URL
  ? 'no database involved: runs in the PGlite pass'
  : !soffice && !process.env.CI
    ? 'LibreOffice (soffice) is not installed'
    : false;

describe('XLSX writer, read by LibreOffice', { skip }, () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'crm-xlsx-writer-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('every sheet of a split workbook, with escaped and replaced characters, reads back as written', async () => {
    const records: CrmRecord[] = [
      { id: '1', name: markup, employees: 3, status: 'a&b' },
      { id: '2', name: invalidXml, founded_on: '1999-12-31' },
      { id: '3', name: whitespace.trim(), created_at: '2026-11-19T22:19:07.000Z' },
      { id: '4', name: '=1+1', employees: -5 },
      { id: '5', name: '007' },
    ];
    writeFileSync(
      path.join(directory, 'people.xlsx'),
      await written([records], {}, { maxDataRowsPerSheet: 3 }),
    );
    // Token 12 = -1: one CSV per sheet, named people-<sheet>.csv.
    await promisify(execFile)(
      soffice ?? 'soffice',
      [
        `-env:UserInstallation=file://${directory}/profile`,
        '--headless',
        '--convert-to',
        'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
        '--outdir',
        directory,
        path.join(directory, 'people.xlsx'),
      ],
      { timeout: 120_000 },
    );
    const csvs = readdirSync(directory)
      .filter((name) => name.endsWith('.csv'))
      .sort();
    assert.deepEqual(csvs, ['people-People (2).csv', 'people-People.csv']);
    const rowsOf = (name: string) => readCsv(readFileSync(path.join(directory, name))).rows;
    const header = columns.map((column) => column.label);
    assert.deepEqual(rowsOf('people-People.csv'), [
      header,
      [markup, '3', '', '', 'A&b'],
      [invalidXmlShown, '', '1999-12-31', '', ''],
      [whitespace.trim().replace(/\r\n?/g, '\n'), '', '', '2026-11-19 23:19:07', ''],
    ]);
    assert.deepEqual(rowsOf('people-People (2).csv'), [
      header,
      ['=1+1', '-5', '', '', ''],
      ['007', '', '', '', ''],
    ]);
  });
});
