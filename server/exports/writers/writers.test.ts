import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import type { CrmRecord } from '../../../shared/records';
import { readCsv, readPdf, readXlsx, zipParts } from '../testing/read-export-file';
import { isHarmfulInCsv, isoInZone, neutraliseForCsv, wallClockDate } from './cell-values';
import { type ExportColumn, type WriterOptions, writerFactories } from './index';
import { fallbackFontFiles, type PdfFontFiles } from './pdf-fonts';
import { createPdfWriter } from './pdf-writer';

const columns: ExportColumn[] = [
  { slug: 'name', label: 'Name', type: 'text' },
  { slug: 'phone', label: 'Phone', type: 'phone' },
  { slug: 'employees', label: 'Employees', type: 'number' },
  { slug: 'founded_on', label: 'Founded on', type: 'date' },
  { slug: 'created_at', label: 'Created at', type: 'timestamp' },
  { slug: 'tags', label: 'Tags', type: 'multiselect' },
  { slug: 'company', label: 'Company', type: 'reference' },
  { slug: 'status', label: 'Status', type: 'select' },
  { slug: 'company.domain', label: 'Company › Domain', type: 'text' },
];

const rows: CrmRecord[] = [
  {
    id: 'a',
    name: 'Smith, Jones & "Partners"',
    phone: '007123456',
    employees: -5,
    founded_on: '1999-12-31',
    created_at: '2026-06-01T10:00:00.000Z',
    tags: ['vip', 'hot lead'],
    company: { id: 'c1', name: '=HYPERLINK("http://evil.example","Click")' },
    status: 'status_change',
    'company.domain': "-2+3+cmd|' /C calc'!A0",
  },
  {
    id: 'b',
    name: 'Line one\nLine two — Zoë, 株式会社',
    phone: '+44 20 1234 5678',
    employees: null,
    founded_on: null,
    created_at: '2026-01-15T23:30:00.000Z',
    tags: [],
    company: null,
    status: 'lead',
    'company.domain': 'sakura.example',
  },
];

const options: WriterOptions = {
  includeBom: true,
  delimiter: ',',
  timezone: 'Europe/Paris',
  jsonLines: false,
  values: 'labels',
  dateFormat: 'iso',
  title: 'Companies',
  summary: ['Filter: {"status":"customer"}', 'Created at: 2026-01-01 → 2026-12-31 (Europe/Paris)'],
};

async function write(format: keyof typeof writerFactories, overrides: Partial<WriterOptions> = {}) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  const writer = writerFactories[format](out, { ...options, ...overrides });
  await writer.writeHeader(columns);
  await writer.writeRows(rows);
  await writer.finish();
  return Buffer.concat(chunks);
}

/** A PDF of `records` in the system's fonts, or in `fontFiles`. */
async function writePdf(
  records: CrmRecord[],
  overrides: Partial<WriterOptions> = {},
  fontFiles?: PdfFontFiles,
) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  const writer = createPdfWriter(out, { ...options, ...overrides }, fontFiles);
  await writer.writeHeader(columns);
  await writer.writeRows(records);
  await writer.finish();
  return Buffer.concat(chunks);
}

/** Chinese and Japanese (Droid Sans Fallback) and Korean (WenQuanYi Micro Hei); CI installs both. */
const cjkFonts = fallbackFontFiles.filter((file) => /DroidSansFallbackFull|wqy-microhei/.test(file.path));
const cjkFontsMissing = cjkFonts.filter((file) => !existsSync(file.path)).map((file) => file.path);

describe('export writers', () => {
  test('CSV neutralises what can run, and leaves phones, negative numbers and dates as they are', () => {
    const harmful = [
      '=1+1',
      '@SUM(A1)',
      '\tx',
      '\rx',
      '\nx',
      '+Advisor',
      '-VP Growth',
      "-2+3+cmd|' /C calc'!A0",
      '+HYPERLINK("http://evil.example")',
      '-1+A1',
      '+1;2',
    ];
    for (const text of harmful) {
      assert.ok(isHarmfulInCsv(text), text);
      assert.equal(neutraliseForCsv(text), `'${text}`);
    }
    const ordinary = [
      'plain',
      '+33 1 23 45 67 89',
      '+1 (482) 717-4594',
      '+44 20 1234 5678',
      '-12.5',
      '-1,234.50',
      '-5',
      '2026-11-19',
      '2026-11-19 23:19:07',
      '2026-11-19T22:19:07.000Z',
      'a=b',
    ];
    for (const text of ordinary) assert.equal(neutraliseForCsv(text), text);
  });

  test('zoned ISO timestamps', () => {
    assert.equal(isoInZone('2026-06-01T10:00:00.000Z', 'UTC'), '2026-06-01T10:00:00.000Z');
    assert.equal(isoInZone('2026-06-01T10:00:00.000Z', 'Europe/Paris'), '2026-06-01T12:00:00.000+02:00');
    assert.equal(isoInZone('2026-01-15T23:30:00.000Z', 'America/New_York'), '2026-01-15T18:30:00.000-05:00');
    assert.equal(isoInZone('2026-01-15T23:30:00.000Z', 'Asia/Kolkata'), '2026-01-16T05:00:00.000+05:30');
  });

  test('zoned timestamps stay exact across DST transitions and in half-hour zones', () => {
    // Europe/Paris springs forward at 01:00 UTC on 2026-03-29 and falls back at 01:00 UTC on 2026-10-25.
    assert.equal(isoInZone('2026-03-29T00:59:59.999Z', 'Europe/Paris'), '2026-03-29T01:59:59.999+01:00');
    assert.equal(isoInZone('2026-03-29T01:00:00.000Z', 'Europe/Paris'), '2026-03-29T03:00:00.000+02:00');
    assert.equal(isoInZone('2026-10-25T00:59:59.999Z', 'Europe/Paris'), '2026-10-25T02:59:59.999+02:00');
    assert.equal(isoInZone('2026-10-25T01:00:00.000Z', 'Europe/Paris'), '2026-10-25T02:00:00.000+01:00');
    // Lord Howe moves by half an hour, at 15:30 UTC on 2026-10-03: in the middle of a UTC hour.
    assert.equal(
      isoInZone('2026-10-03T15:00:00.000Z', 'Australia/Lord_Howe'),
      '2026-10-04T01:30:00.000+10:30',
    );
    assert.equal(
      isoInZone('2026-10-03T15:29:59.999Z', 'Australia/Lord_Howe'),
      '2026-10-04T01:59:59.999+10:30',
    );
    assert.equal(
      isoInZone('2026-10-03T15:30:00.000Z', 'Australia/Lord_Howe'),
      '2026-10-04T02:30:00.000+11:00',
    );
    assert.deepEqual(
      wallClockDate('2026-03-29T01:00:00.000Z', 'Europe/Paris'),
      new Date('2026-03-29T03:00:00.000Z'),
    );
    assert.equal(isoInZone('not a date', 'Europe/Paris'), 'not a date');
  });

  test('CSV: BOM, RFC 4180 quoting, labels, joined multiselect, zoned timestamps, neutralised text only', async () => {
    const buffer = await write('csv');
    const { bom, rows: parsed } = readCsv(buffer);
    assert.equal(bom, true);
    assert.match(buffer.toString('utf8'), /\r\n/);
    assert.deepEqual(parsed[0], [
      'Name',
      'Phone',
      'Employees',
      'Founded on',
      'Created at',
      'Tags',
      'Company',
      'Status',
      'Company › Domain',
    ]);
    assert.deepEqual(parsed[1], [
      'Smith, Jones & "Partners"',
      '007123456',
      '-5',
      '1999-12-31',
      '2026-06-01T12:00:00.000+02:00',
      'vip, hot lead',
      `'=HYPERLINK("http://evil.example","Click")`,
      'Status change',
      `'-2+3+cmd|' /C calc'!A0`,
    ]);
    assert.deepEqual(parsed[2], [
      'Line one\nLine two — Zoë, 株式会社',
      '+44 20 1234 5678',
      '',
      '',
      '2026-01-16T00:30:00.000+01:00',
      '',
      '',
      'Lead',
      'sakura.example',
    ]);
    const semicolons = readCsv(await write('csv', { delimiter: ';', includeBom: false }), ';');
    assert.equal(semicolons.bom, false);
    assert.equal(semicolons.rows[1]?.[0], 'Smith, Jones & "Partners"');
    const forPrograms = readCsv(await write('csv', { values: 'raw', dateFormat: 'spreadsheet' })).rows;
    assert.equal(forPrograms[1]?.[4], '2026-06-01 12:00:00', 'the wall clock of Europe/Paris');
    assert.equal(forPrograms[2]?.[4], '2026-01-16 00:30:00');
    assert.equal(forPrograms[1]?.[7], 'status_change');
    assert.equal(forPrograms[2]?.[7], 'lead');
  });

  test('XLSX: bold frozen header with autofilter, numbers, real dates, leading zeros kept as text', async () => {
    const { sheets } = await readXlsx(await write('xlsx'));
    const [sheet] = sheets;
    assert.ok(sheet);
    assert.equal(sheet.name, 'Companies');
    assert.ok(sheet.frozen);
    assert.ok(sheet.headerBold);
    assert.ok(sheet.autoFilter);
    const [header, first, second] = sheet.rows;
    assert.deepEqual(header, [
      'Name',
      'Phone',
      'Employees',
      'Founded on',
      'Created at',
      'Tags',
      'Company',
      'Status',
      'Company › Domain',
    ]);
    assert.equal(first?.[0], 'Smith, Jones & "Partners"');
    assert.equal(first?.[1], '007123456');
    assert.equal(first?.[2], -5);
    assert.deepEqual(first?.[3], new Date('1999-12-31T00:00:00.000Z'));
    // The wall clock of Europe/Paris, stored as Excel stores dates (no zone).
    assert.deepEqual(first?.[4], new Date('2026-06-01T12:00:00.000Z'));
    assert.equal(first?.[5], 'vip, hot lead');
    // Values as stored: string cells never run, so no apostrophe is added.
    assert.equal(first?.[6], '=HYPERLINK("http://evil.example","Click")');
    assert.equal(first?.[7], 'Status change');
    assert.equal(first?.[8], "-2+3+cmd|' /C calc'!A0");
    assert.equal(second?.[0], 'Line one\nLine two — Zoë, 株式会社');
    assert.equal(second?.[1], '+44 20 1234 5678');
    assert.equal(second?.[2], null);
    assert.equal(second?.[7], 'Lead');
  });

  test('XLSX: text that reads as a formula is an inline string cell marked quotePrefix, never a formula', async () => {
    const parts = zipParts(await write('xlsx'));
    const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
    const styles = parts.get('xl/styles.xml') ?? '';
    assert.doesNotMatch(sheet, /<f>/, 'no formula anywhere');
    const xfs = [
      ...(styles.match(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/)?.[1] ?? '').matchAll(/<xf [^>]*>/g),
    ].map((match) => match[0]);
    const styleOf = (ref: string) => {
      const cell = new RegExp(`<c r="${ref}"([^>]*)>`).exec(sheet)?.[1] ?? '';
      return xfs[Number(/s="(\d+)"/.exec(cell)?.[1] ?? 0)] ?? '';
    };
    for (const ref of ['G2', 'I2', 'B3']) {
      assert.match(sheet, new RegExp(`<c r="${ref}"[^>]*t="inlineStr"><is>`), ref);
      assert.match(styleOf(ref), /quotePrefix="1"/, ref);
    }
    for (const ref of ['A2', 'B2', 'H2', 'I3']) assert.doesNotMatch(styleOf(ref), /quotePrefix/, ref);
  });

  test('JSON and NDJSON: values as stored, references as { id, name }, arrays kept', async () => {
    const array = JSON.parse((await write('json')).toString('utf8')) as Record<string, unknown>[];
    assert.equal(array.length, 2);
    assert.deepEqual(array[0], {
      id: 'a',
      name: 'Smith, Jones & "Partners"',
      phone: '007123456',
      employees: -5,
      founded_on: '1999-12-31',
      created_at: '2026-06-01T12:00:00.000+02:00',
      tags: ['vip', 'hot lead'],
      company: { id: 'c1', name: '=HYPERLINK("http://evil.example","Click")' },
      status: 'Status change',
      'company.domain': "-2+3+cmd|' /C calc'!A0",
    });
    const raw = JSON.parse(
      (await write('json', { values: 'raw', dateFormat: 'spreadsheet' })).toString('utf8'),
    );
    assert.equal(raw[0].status, 'status_change');
    assert.equal(raw[0].created_at, '2026-06-01 12:00:00');
    const lines = (await write('json', { jsonLines: true })).toString('utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal((JSON.parse(lines[1] ?? '') as { phone: string }).phone, '+44 20 1234 5678');
  });

  test('PDF: landscape table with summary, header and page number, Unicode text', async () => {
    const { pages, texts } = readPdf(await write('pdf'));
    assert.equal(pages, 1);
    assert.equal(texts[0], 'Companies');
    assert.ok(texts.includes('Filter: {"status":"customer"}'));
    assert.ok(texts.includes('Name') && texts.includes('Created at'));
    assert.ok(texts.some((text) => text.startsWith('Smith, Jones')));
    assert.ok(texts.includes('007123456'));
    assert.ok(texts.includes('Page 1'));
  });

  test('PDF: Chinese, Japanese and Korean text comes back as the same characters, not U+FFFD', {
    skip: cjkFontsMissing.length && !process.env.CI ? `not installed: ${cjkFontsMissing.join(', ')}` : false,
  }, async () => {
    const names = ['美咲', '王秀英', '김민준', '株式会社サクラ'];
    const summary = 'Filter: {"name":{"$in":["美咲","김민준"]}}';
    const { texts } = readPdf(
      await writePdf(
        names.map((name, index) => ({ id: `${index}`, name })),
        { summary: [summary] },
      ),
    );
    for (const text of [...names, summary])
      assert.ok(texts.includes(text), `${text} in ${JSON.stringify(texts)}`);
    assert.ok(!texts.some((text) => text.includes('\uFFFD')), JSON.stringify(texts));
  });

  test('PDF: every page has its footer and no other page is added; long cells wrap, past 4 lines cut with an ellipsis', async () => {
    const records = Array.from({ length: 150 }, (_, index) => ({
      ...rows[0],
      id: `${index}`,
      name: `${index} ${'Wolfeschlegelsteinhausenbergerdorff '.repeat(3)}`,
      tags: Array.from({ length: 40 }, (_, tag) => `tag-${tag}-with-a-long-name`),
    }));
    const { pages, texts } = readPdf(await writePdf(records));
    assert.ok(pages > 3, `${pages} pages`);
    const footers = texts.filter((text) => /^Page \d+$/.test(text));
    assert.deepEqual(
      footers,
      Array.from({ length: pages }, (_, index) => `Page ${index + 1}`),
    );
    // Each name is whole, over lines (one word a line in this narrow column), nothing cut.
    const nameLines = texts.filter((text) => /^(\d+ )?Wolfe|^\d{1,3}$/.test(text));
    assert.equal(nameLines.join(' '), records.map((record) => String(record.name).trim()).join(' '));
    // 40 tags do not fit in 4 lines: the fourth ends with an ellipsis, and no cell has a fifth.
    const tagLines = texts.filter((text) => text.startsWith('tag-'));
    assert.equal(tagLines.length, records.length * 4);
    assert.ok(tagLines.every((line, index) => index % 4 !== 3 || line.endsWith('…')));
  });

  test('PDF: columns are as wide as their content; emails, phones and short local timestamps stay whole', async () => {
    const wide: ExportColumn[] = [
      { slug: 'name', label: 'Name', type: 'text' },
      { slug: 'email', label: 'Email', type: 'email' },
      { slug: 'phone', label: 'Phone', type: 'phone' },
      { slug: 'created_at', label: 'Created at', type: 'timestamp' },
      { slug: 'updated_at', label: 'Updated at', type: 'timestamp' },
      { slug: 'job_title', label: 'Job title', type: 'text' },
      { slug: 'company', label: 'Company', type: 'reference' },
      { slug: 'company.domain', label: 'Company › Domain', type: 'text' },
      { slug: 'company.industry', label: 'Company › Industry', type: 'text' },
      { slug: 'tags', label: 'Tags', type: 'multiselect' },
    ];
    const records: CrmRecord[] = Array.from({ length: 60 }, (_, index) => ({
      id: `${index}`,
      name: `Person ${index}`,
      email: `firstname.lastname-${index}@a-rather-long-company-domain.example`,
      phone: `+1 (482) 717-${String(4000 + index)}`,
      created_at: '2026-11-19T22:19:07.000Z',
      updated_at: '2026-03-29T01:00:00.000Z',
      job_title: 'Director of Special Projects and Strategic Partnerships, EMEA',
      company: { id: 'c', name: 'Sakura Holdings International' },
      'company.domain': 'sakura-holdings.example',
      'company.industry': 'Logistics',
      tags: ['vip', 'hot lead', 'renewal'],
    }));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    const writer = createPdfWriter(out, options);
    await writer.writeHeader(wide);
    await writer.writeRows(records);
    await writer.finish();
    const { texts } = readPdf(Buffer.concat(chunks));
    for (const record of records) {
      assert.ok(texts.includes(String(record.email)), String(record.email));
      assert.ok(texts.includes(String(record.phone)), String(record.phone));
    }
    // Short and local: Europe/Paris, to the minute, across the spring-forward of 2026-03-29.
    assert.equal(texts.filter((text) => text === '2026-11-19 23:19').length, records.length);
    assert.equal(texts.filter((text) => text === '2026-03-29 03:00').length, records.length);
    assert.ok(texts.includes('Times in Europe/Paris'));
  });

  test('PDF without any font file: Helvetica, with ? for the characters it cannot encode', async () => {
    const { pages, texts } = readPdf(await writePdf(rows, {}, { fallbacks: [] }));
    assert.equal(pages, 1);
    assert.equal(texts[0], 'Companies');
    assert.ok(texts.some((text) => text.startsWith('Smith, Jones')));
    assert.ok(texts.includes('Line one'));
    assert.ok(texts.some((text) => text.startsWith('Line two') && text.endsWith('Zoë, ????')));
    assert.ok(texts.includes('Page 1'));
  });
});
