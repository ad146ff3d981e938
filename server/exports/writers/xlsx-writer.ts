import { EventEmitter, once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CrmRecord, RecordValue } from '../../../shared/records';
import { yieldToEventLoop } from '../../db/database';
import {
  displayText,
  type ExportColumn,
  readsAsFormula,
  type ValueStyle,
  wallClockDate,
} from './cell-values';
import { type ExportWriter, type WriterFactory, waitForDrain } from './export-writer';

/** Excel's limit is 1,048,576 rows per sheet; one is the header. */
export const maxDataRowsPerSheet = 1_048_575;

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

type CellValue = string | number | Date | null;

/** Sheet XML allowed to wait for deflate (a couple of batches): past it, the next batch waits for the zip. */
const maxZipBacklog = 1024 * 1024;

/** The stream a sheet's XML enters the zip through, and how many bytes wait in it. */
interface ZipInput {
  stream: EventEmitter;
  queuedBytes(): number;
}

/**
 * exceljs (4.4) writes a sheet's committed rows into its zip entry without looking at backpressure
 * (exceljs #2916): when rows come faster than deflate takes them, the XML piles up in the entry's input
 * stream (archiver's PassThrough, a readable-stream 2 stream), whatever `out` says. It is reached
 * through exceljs's internals (the sheet's `stream`, a StreamBuf, and the streams it pipes to) and
 * checked at run time: with another exceljs the wait is skipped and only `out`'s backpressure remains.
 */
function sheetZipInput(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  const stream: unknown = Reflect.get(sheet, 'stream');
  const pipes: unknown = typeof stream === 'object' && stream ? Reflect.get(stream, 'pipes') : undefined;
  const input: unknown = Array.isArray(pipes) ? pipes[0] : undefined;
  if (!(input instanceof EventEmitter)) return undefined;
  const state: unknown = Reflect.get(input, '_writableState');
  if (typeof state !== 'object' || !state || typeof Reflect.get(state, 'length') !== 'number')
    return undefined;
  return { stream: input, queuedBytes: () => Number(Reflect.get(state, 'length')) };
}

/** Waits until the sheet's zip input has drained if too much XML waits in it; fails if `out` goes first. */
async function waitForZip(sheet: ExcelJS.Worksheet, out: Writable): Promise<void> {
  const input = sheetZipInput(sheet);
  if (!input || input.queuedBytes() <= maxZipBacklog) return;
  const stop = new AbortController();
  try {
    await Promise.race([
      once(input.stream, 'drain', { signal: stop.signal }),
      once(out, 'close', { signal: stop.signal }).then(() => {
        throw new Error('the output stream closed before the sheet was zipped');
      }),
    ]);
  } finally {
    stop.abort();
  }
}

/** A cell style model as exceljs keeps it, plus the one attribute exceljs 4.4 cannot write. */
type TextStyle = Partial<ExcelJS.Style> & { quotePrefix?: true };

/**
 * Lets this workbook's cell styles carry `quotePrefix="1"`: the cell holds text that would read as a
 * formula if typed, as Excel marks a value typed after an apostrophe (the value itself stays unchanged).
 * exceljs (4.4) has no such style attribute, so its style registry is reached at run time: the style
 * model is turned into `<xf …>` XML by one xform, and that XML is the style's identity. With another
 * exceljs the hook is skipped: the cells are string cells all the same, which never run as formulas.
 */
function acceptQuotePrefix(workbook: ExcelJS.stream.xlsx.WorkbookWriter): void {
  const styles: unknown = Reflect.get(workbook, 'styles');
  if (typeof styles !== 'object' || !styles) return;
  const addStyleModel: unknown = Reflect.get(styles, 'addStyleModel');
  const map: unknown = Reflect.get(styles, 'map');
  const xf: unknown = typeof map === 'object' && map ? Reflect.get(map, 'style') : undefined;
  const toXml: unknown = typeof xf === 'object' && xf ? Reflect.get(xf, 'toXml') : undefined;
  if (typeof addStyleModel !== 'function' || typeof toXml !== 'function') return;
  let quoted = false;
  Reflect.set(styles, 'addStyleModel', (model: TextStyle | undefined, cellType: unknown) => {
    quoted = Boolean(model?.quotePrefix);
    try {
      return addStyleModel.call(styles, model, cellType);
    } finally {
      quoted = false;
    }
  });
  Reflect.set(xf as object, 'toXml', (model: unknown) => {
    const xml = String(toXml.call(xf, model));
    return quoted ? xml.replace(/^<xf /, '<xf quotePrefix="1" ') : xml;
  });
}

/**
 * XLSX through exceljs's streaming WorkbookWriter. Numbers stay numbers, dates and timestamps are real
 * Excel dates (wall clock of the requested zone), every other value is a string cell, so leading zeros
 * survive. exceljs keeps committed rows in memory until its zip output drains (exceljs #2916), so after
 * each batch we let the zip run and wait for `out` to drain.
 */
export const createXlsxWriter: WriterFactory = (out, options): ExportWriter => {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  acceptQuotePrefix(workbook);
  const style: ValueStyle = { timezone: options.timezone, values: options.values, timestamps: 'iso' };
  let columns: readonly ExportColumn[] = [];
  let sheet: ExcelJS.Worksheet | undefined;
  let sheetRows = 0;
  let sheetCount = 0;

  const cellOf = (column: ExportColumn, value: RecordValue | undefined): CellValue => {
    if (value == null) return null;
    if (column.type === 'number' && typeof value === 'number') return value;
    if (column.type === 'timestamp' && typeof value === 'string')
      return wallClockDate(value, options.timezone);
    if (column.type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
      return new Date(`${value}T00:00:00.000Z`);
    return displayText(column, value, style);
  };

  // Each new cell gets a fresh copy of its column's style, and exceljs recognises a style it has seen
  // only by object identity (a WeakMap), so every cell of a million rows paid a full style lookup
  // (XML rendered and compared): most of the writer's time. A cell's style depends only on its column
  // (data rows carry no style of their own) and its value type (the number format exceljs picks), so
  // cells of the same column and type share the first such cell's style object: same ids, same file.
  let sharedStyles = new Map<number, Partial<ExcelJS.Style>>();
  // Text that reads as a formula gets the column's style plus quotePrefix, shared the same way.
  const shareCellStyles = (added: ExcelJS.Row) => {
    added.eachCell((cell, columnNumber) => {
      const quoted = typeof cell.value === 'string' && readsAsFormula(cell.value);
      const key = (columnNumber * 32 + cell.type) * 2 + (quoted ? 1 : 0);
      const shared = sharedStyles.get(key);
      if (shared) cell.style = shared;
      else {
        if (quoted) cell.style = { ...cell.style, quotePrefix: true } as TextStyle;
        sharedStyles.set(key, cell.style);
      }
    });
  };
  const openSheet = () => {
    sheetCount += 1;
    const name =
      sheetCount === 1 ? options.title.slice(0, 31) : `${options.title.slice(0, 24)} (${sheetCount})`;
    const next = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
    next.columns = columns.map((column) => ({
      key: column.slug,
      width: Math.max(widthByType[column.type], Math.min(40, column.label.length + 4)),
      style:
        column.type === 'timestamp'
          ? { numFmt: 'yyyy-mm-dd hh:mm:ss' }
          : column.type === 'date'
            ? { numFmt: 'yyyy-mm-dd' }
            : {},
    }));
    next.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: Math.max(1, columns.length) } };
    const header = next.addRow(columns.map((column) => column.label));
    header.font = { bold: true };
    header.commit();
    sheet = next;
    sheetRows = 0;
    sharedStyles = new Map();
  };

  return {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    async writeHeader(chosen) {
      columns = chosen;
      openSheet();
    },
    async writeRows(rows: readonly CrmRecord[]) {
      for (const row of rows) {
        if (sheetRows >= maxDataRowsPerSheet) {
          sheet?.commit();
          openSheet();
        }
        const added = sheet?.addRow(columns.map((column) => cellOf(column, row[column.slug])));
        if (added) shareCellStyles(added);
        added?.commit();
        sheetRows += 1;
      }
      // Let archiver's deflate move the committed rows into `out`, then honour out's backpressure.
      await yieldToEventLoop();
      if (sheet) await waitForZip(sheet, out);
      await waitForDrain(out);
    },
    async finish() {
      sheet?.commit();
      await workbook.commit();
    },
  };
};
