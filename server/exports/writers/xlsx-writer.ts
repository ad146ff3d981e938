/**
 * XLSX written by hand into a zip streamed by yazl, instead of exceljs's streaming WorkbookWriter.
 *
 * Why: exceljs was ~60 % of an XLSX export's CPU (42 % of the profile plus 18 % GC: XML assembly,
 * style lookups, a cell object per value), 13–36k rows/s, and it let committed rows pile up when deflate
 * fell behind (exceljs #2916). An export writes one table: a header and typed cells, so the file is a
 * handful of fixed parts and one XML stream per sheet. Here a batch of rows becomes one string, built
 * by a renderer chosen per column once, and deflate runs on Node's thread pool (yazl pipes each entry
 * through zlib), off the thread that builds the XML.
 *
 * `npm run bench:xlsx -- --rows 1000000` (the same 1M rows of 9 columns fed from memory, each writer in
 * a process of its own under tsx, which alone holds 86 MB; the shared 2-core machine): exceljs's
 * streaming WorkbookWriter 29k rows/s, peak RSS 541 MB; this writer 141k rows/s (4.9×), 144 MB, the
 * same at 200k rows. The target was ≥ 4× at < 250 MB with memory flat in the row count.
 *
 * Why yazl: it streams entries of unknown size (data descriptors, ZIP64 when a sheet passes 4 GB),
 * takes a compression level per entry, has one small dependency, and pipes with backpressure from an
 * entry's stream through native zlib to its output. zip-stream/archiver (here through exceljs) would
 * do too, through readable-stream 3 and a few more layers. Its CRC-32 is JavaScript (buffer-crc32,
 * ~200 MB/s): ~17 % of this writer's CPU in a profile; Node's zlib.crc32 (20.15+) is ~15× as fast, so
 * that is the next place to look.
 *
 * The zip stays on the export's thread. Measured on 1M people (bench:export --formats xlsx, paired runs,
 * 2026-11-29; not kept): yazl on a worker thread of its own, the sheet XML moved there as transferred
 * buffers and the zip sent back in 64 kB messages, took 14.8 and 13.5 s against 16.9 and 16.7 s here
 * (1.15–1.24×: CRC-32 and zlib's per-chunk callbacks leave this thread, but its postMessage calls cost
 * ~1.5 s), and the worker's peak RSS rose from 215–227 MB to 241–250 MB, against the 250 MB target;
 * from memory (bench:xlsx) it was no faster (7.73 s against 7.78 s). Stubbing out yazl's CRC-32 alone
 * took the export from 16.7–18.9 s to 15.7 s; CRC-32 and deflate both, 12.6 s.
 *
 * The file keeps what the exceljs writer gave: a sheet per 1,048,575 rows named after the export, a bold
 * frozen header with an autofilter, column widths by type, numbers as numbers, dates and timestamps as
 * real dates (wall clock of the requested zone), every other value as a string cell (leading zeros
 * survive), and `quotePrefix` on text that reads as a formula. Unlike exceljs it replaces characters XML
 * cannot hold (exceljs wrote them, and the file then opened nowhere, exceljs included).
 *
 * Every cell carries its reference (`r="C7"`): exceljs's reader needs the row's and the first cell's,
 * and with all of them an empty cell is simply left out. (Without one, exceljs places a cell after the
 * previous cell that has a value or a style, so a cell after an unstyled empty `<c/>` lands one column
 * too far left.)
 *
 * The rows come from the record path, not from Postgres as XML. Measured on 1M people (bench:export
 * --formats xlsx, 2026-11-28, a slow period of the shared machine; a prototype, not kept): each cell
 * formatted by the query (escaped, typed, styled, from just after its reference), COPY's text format,
 * and the worker adding the references and undoing COPY's escapes: the same cells as this writer's, 50k
 * rows/s against exceljs's 16.6k (3.03×), while this path made 47k against 14.9k (3.16×) in the same
 * period. Postgres spent 9.7–13.4 CPU s building the XML (the record query 5.8 s), and the worker still
 * had to pass over ~520 MB of sheet XML to number the rows: 5–6 s per 1M rows in JavaScript, where a
 * bare loop over the same bytes takes ~1 s.
 */
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { CrmRecord, RecordValue } from '../../../shared/records';
import {
  displayText,
  type ExportColumn,
  readsAsFormula,
  type ValueStyle,
  zoneOffsetMinutes,
} from './cell-values';
import { type ExportWriter, type WriterOptions, waitForDrain } from './export-writer';

/** Excel's limit is 1,048,576 rows per sheet; one is the header. */
export const maxDataRowsPerSheet = 1_048_575;

/**
 * Deflate level of the sheets. On the benchmark's 1M rows: level 1 6.4–6.7 s and 48.6 MB, level 3
 * 6.9 s and 43.9 MB, zlib's default 6 10.1 s and 41.6 MB (deflate, on its own core, became the
 * bottleneck), level 4 slower and larger than 3. Level 3 keeps pace with the XML for a tenth less file.
 */
const sheetCompressionLevel = 3;

/** Sheet XML a sheet's zip entry may hold before `writeRows` waits for deflate (a few batches). */
const sheetBufferBytes = 1024 * 1024;

/** Tuning for tests and the benchmark; exports use the defaults. */
export interface XlsxWriterTuning {
  maxDataRowsPerSheet?: number;
  compressionLevel?: number;
}

const widthByType: Record<ExportColumn['type'], number> = {
  text: 28,
  email: 32,
  phone: 18,
  number: 12,
  select: 14,
  multiselect: 30,
  date: 12,
  timestamp: 20,
  reference: 26,
};

/** Indexes into styles.xml's cellXfs. */
const style = { plain: 0, date: 1, timestamp: 2, header: 3, quoted: 4 } as const;

const stylesXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
<dxfs count="0"/><tableStyles count="0"/></styleSheet>`;

/** XML 1.0 allows tab, LF, CR and U+0020 up, less lone surrogates and U+FFFE/U+FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML forbids is the point
const needsEscaping = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const escapable =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
  /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser turns a raw CR (and CRLF) into LF: as a reference it stays a CR.
  '\r': '&#13;',
};

/**
 * Text as XML character data or attribute value. A character XML 1.0 cannot hold (control characters,
 * a lone surrogate, U+FFFE/U+FFFF) becomes U+FFFD, the replacement character, so the cell shows that
 * something was there: written as they are, they made the whole file unreadable.
 */
export function xmlEscaped(text: string): string {
  if (!needsEscaping.test(text)) return text;
  return text.replace(escapable, (character) => entities[character] ?? '\uFFFD');
}

/** `A`, `B`, … `Z`, `AA`, …: a column's letters from its 0-based index. */
function columnLetters(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26))
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

const dayMs = 86_400_000;
/** Days from 1899-12-30 (a spreadsheet's day 0) to 1970-01-01. */
const unixEpochSerial = 25_569;

/** A spreadsheet's date number of the wall-clock time `ms` holds in its UTC fields: days and a fraction. */
function serialOf(ms: number): number {
  return ms / dayMs + unixEpochSerial;
}

/** Renders one non-null value of a column as a `<c>` element of row `row` (its number as text). */
type CellRenderer = (value: RecordValue, row: string) => string;

/**
 * What follows a text cell's reference: its style, type and text. Spaces at either end need
 * `xml:space="preserve"` (Excel trims them otherwise); inside, line breaks and spaces stay without it,
 * so it is written only where needed, as XlsxWriter and openpyxl do: it was 19 bytes of most cells.
 */
function textCellBody(text: string): string {
  const quoted = readsAsFormula(text) ? ` s="${style.quoted}"` : '';
  const preserve = text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32;
  return `${quoted} t="inlineStr"><is><t${preserve ? ' xml:space="preserve"' : ''}>${xmlEscaped(text)}</t></is></c>`;
}

/** Distinct values of a select column whose cell text is kept (a select has a handful of options). */
const maxCachedOptions = 1000;

function cellRenderer(column: ExportColumn, index: number, valueStyle: ValueStyle): CellRenderer {
  const ref = `<c r="${columnLetters(index)}`;
  const text: CellRenderer = (value, row) => {
    const shown = displayText(column, value, valueStyle);
    return shown === '' ? '' : `${ref}${row}"${textCellBody(shown)}`;
  };
  switch (column.type) {
    case 'number':
      return (value, row) =>
        typeof value === 'number' && Number.isFinite(value)
          ? `${ref}${row}"><v>${value}</v></c>`
          : text(value, row);
    case 'date':
      return (value, row) => {
        const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(value) : NaN;
        return Number.isNaN(ms)
          ? text(value, row)
          : `${ref}${row}" s="${style.date}"><v>${serialOf(ms)}</v></c>`;
      };
    case 'timestamp':
      return (value, row) => {
        const instant = typeof value === 'string' ? new Date(value) : undefined;
        const ms = instant ? instant.getTime() : NaN;
        return Number.isNaN(ms)
          ? text(value, row)
          : `${ref}${row}" s="${style.timestamp}"><v>${serialOf(ms + zoneOffsetMinutes(valueStyle.timezone, instant as Date) * 60_000)}</v></c>`;
      };
    case 'select': {
      const bodies = new Map<string, string>();
      return (value, row) => {
        if (typeof value !== 'string') return text(value, row);
        let body = bodies.get(value);
        if (body === undefined) {
          const shown = displayText(column, value, valueStyle);
          body = shown === '' ? '' : textCellBody(shown);
          if (bodies.size >= maxCachedOptions) bodies.clear();
          bodies.set(value, body);
        }
        return body === '' ? '' : `${ref}${row}"${body}`;
      };
    }
    default:
      return text;
  }
}

/** Excel refuses these in a sheet name; a name may not start or end with an apostrophe either. */
function sheetNameOf(title: string, sheetNumber: number): string {
  const safe = title.replace(/[*?:/\\[\]]/g, ' ').replace(/^'+|'+$/g, '') || 'Export';
  return sheetNumber === 1 ? safe.slice(0, 31) : `${safe.slice(0, 24)} (${sheetNumber})`;
}

/** `'People'!$A$1:$I$1001`: a range of a sheet, as a defined name refers to it. */
function absoluteRange(sheetName: string, columnCount: number, lastRow: number): string {
  const last = columnLetters(Math.max(1, columnCount) - 1);
  return `'${sheetName.replace(/'/g, "''")}'!$A$1:$${last}$${lastRow}`;
}

function sheetStartXml(columns: readonly ExportColumn[], sheetNumber: number): string {
  const cols = columns
    .map((column, index) => {
      const width = Math.max(widthByType[column.type], Math.min(40, column.label.length + 4));
      // An empty cell of a date column typed into later shows as a date too.
      const columnStyle =
        column.type === 'date'
          ? ` style="${style.date}"`
          : column.type === 'timestamp'
            ? ` style="${style.timestamp}"`
            : '';
      return `<col min="${index + 1}" max="${index + 1}" width="${width}"${columnStyle} customWidth="1"/>`;
    })
    .join('');
  const header = columns
    .map(
      (column, index) =>
        `<c r="${columnLetters(index)}1" s="${style.header}" t="inlineStr"><is><t xml:space="preserve">${xmlEscaped(column.label)}</t></is></c>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheetViews><sheetView${sheetNumber === 1 ? ' tabSelected="1"' : ''} workbookViewId="0">\
<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
<sheetFormatPr defaultRowHeight="15"/>${cols ? `<cols>${cols}</cols>` : ''}\
<sheetData><row r="1">${header}</row>`;
}

/** The end of a sheet: the autofilter spans the header and the rows under it, as Excel writes it. */
function sheetEndXml(columnCount: number, lastRow: number): string {
  const last = columnLetters(Math.max(1, columnCount) - 1);
  return `</sheetData><autoFilter ref="A1:${last}${lastRow}"/>\
<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`;
}

interface SheetEntry {
  name: string;
  lastRow: number;
}

function workbookXml(sheets: readonly SheetEntry[], columnCount: number): string {
  const list = sheets
    .map(
      (sheet, index) =>
        `<sheet name="${xmlEscaped(sheet.name)}" sheetId="${index + 1}" r:id="rId${index + 1}"/>`,
    )
    .join('');
  // Excel keeps each sheet's autofilter range as this hidden name too, and some readers look for it.
  const filters = sheets
    .map(
      (sheet, index) =>
        `<definedName name="_xlnm._FilterDatabase" localSheetId="${index}" hidden="1">${xmlEscaped(
          absoluteRange(sheet.name, columnCount, sheet.lastRow),
        )}</definedName>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<bookViews><workbookView activeTab="0"/></bookViews><sheets>${list}</sheets>\
<definedNames>${filters}</definedNames></workbook>`;
}

function workbookRelsXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, index) =>
      `<Relationship Id="rId${index + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${index + 1}.xml"/>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets}\
<Relationship Id="rId${sheetCount + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
</Relationships>`;
}

function contentTypesXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, index) =>
      `<Override PartName="/xl/worksheets/sheet${index + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
${sheets}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>`;
}

const rootRelsXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
</Relationships>`;

function coreXml(title: string, created: Date): string {
  const when = `${created.toISOString().slice(0, 19)}Z`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>${xmlEscaped(title)}</dc:title>\
<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified></cp:coreProperties>`;
}

const appXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>CRM export</Application></Properties>`;

/**
 * Resolves once `stream` drains; rejects when the zip fails, or `out` errors or closes first (nothing
 * would drain it then).
 */
async function drained(stream: Writable, out: Writable, zip: ZipFile): Promise<void> {
  if (out.destroyed) throw new Error('the output stream closed before the sheet was zipped');
  const stop = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: stop.signal }),
      once(zip, 'error', { signal: stop.signal }).then(([error]) => {
        throw error;
      }),
      once(out, 'close', { signal: stop.signal }).then(() => {
        throw new Error('the output stream closed before the sheet was zipped');
      }),
    ]);
  } finally {
    stop.abort();
  }
}

/**
 * XLSX streamed sheet by sheet into `out`. `writeRows` resolves once the sheet's zip entry and `out`
 * can take more, so a slow `out` slows the export instead of piling XML up in memory.
 */
export function createXlsxWriter(
  out: Writable,
  options: WriterOptions,
  tuning: XlsxWriterTuning = {},
): ExportWriter {
  const rowsPerSheet = tuning.maxDataRowsPerSheet ?? maxDataRowsPerSheet;
  const compressionLevel = tuning.compressionLevel ?? sheetCompressionLevel;
  const valueStyle: ValueStyle = { timezone: options.timezone, values: options.values, timestamps: 'iso' };
  const created = new Date();
  const zip = new ZipFile();
  let failure: unknown;
  zip.on('error', (error: unknown) => {
    failure ??= error;
  });
  zip.outputStream.pipe(out);

  let columns: readonly ExportColumn[] = [];
  let slugs: string[] = [];
  let renderers: CellRenderer[] = [];
  const sheets: SheetEntry[] = [];
  let sheet: PassThrough | undefined;
  let sheetRows = 0;

  const openSheet = () => {
    const number = sheets.length + 1;
    sheets.push({ name: sheetNameOf(options.title, number), lastRow: 1 });
    // The buffer is the writable side's: the readable side only hands chunks on to the zip.
    sheet = new PassThrough({ writableHighWaterMark: sheetBufferBytes, readableHighWaterMark: 16 * 1024 });
    zip.addReadStream(sheet, `xl/worksheets/sheet${number}.xml`, {
      mtime: created,
      compressionLevel,
    });
    sheet.write(sheetStartXml(columns, number));
    sheetRows = 0;
  };
  const closeSheet = () => {
    const current = sheets.at(-1);
    if (!sheet || !current) return;
    current.lastRow = sheetRows + 1;
    sheet.end(sheetEndXml(columns.length, current.lastRow));
    sheet = undefined;
  };
  /** Writes the XML of `rows[from, to)` into the open sheet; true when the sheet can take more. */
  const writeSheetRows = (rows: readonly CrmRecord[], from: number, to: number): boolean => {
    let xml = '';
    for (let index = from; index < to; index++) {
      const record = rows[index] as CrmRecord;
      sheetRows += 1;
      const row = String(sheetRows + 1);
      xml += `<row r="${row}">`;
      for (let column = 0; column < renderers.length; column++) {
        const value = record[slugs[column] as string];
        if (value != null) xml += (renderers[column] as CellRenderer)(value, row);
      }
      xml += '</row>';
    }
    return sheet?.write(xml) ?? true;
  };
  const check = () => {
    if (failure) throw failure;
  };

  return {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    async writeHeader(chosen) {
      columns = chosen;
      slugs = chosen.map((column) => column.slug);
      renderers = chosen.map((column, index) => cellRenderer(column, index, valueStyle));
      openSheet();
    },
    async writeRows(rows: readonly CrmRecord[]) {
      check();
      if (!sheet) openSheet();
      let from = 0;
      while (from < rows.length) {
        if (sheetRows >= rowsPerSheet) {
          closeSheet();
          openSheet();
        }
        const to = Math.min(rows.length, from + rowsPerSheet - sheetRows);
        const more = writeSheetRows(rows, from, to);
        from = to;
        if (!more && sheet) await drained(sheet, out, zip);
      }
      await waitForDrain(out);
      check();
    },
    async finish() {
      check();
      if (!sheet) openSheet();
      closeSheet();
      const parts: [string, string][] = [
        ['xl/workbook.xml', workbookXml(sheets, columns.length)],
        ['xl/_rels/workbook.xml.rels', workbookRelsXml(sheets.length)],
        ['xl/styles.xml', stylesXml],
        ['docProps/core.xml', coreXml(options.title, created)],
        ['docProps/app.xml', appXml],
        ['_rels/.rels', rootRelsXml],
        ['[Content_Types].xml', contentTypesXml(sheets.length)],
      ];
      for (const [name, xml] of parts) zip.addBuffer(Buffer.from(xml), name, { mtime: created });
      zip.end();
      const stop = new AbortController();
      try {
        await Promise.race([
          finished(out, { readable: false }),
          once(zip, 'error', { signal: stop.signal }).then(([error]) => {
            throw error;
          }),
        ]);
      } finally {
        stop.abort();
      }
      check();
    },
  };
}
