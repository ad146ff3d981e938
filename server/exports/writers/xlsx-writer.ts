import ExcelJS from 'exceljs';
import type { CrmRecord, RecordValue } from '../../../shared/records';
import { yieldToEventLoop } from '../../db/database';
import { displayText, type ExportColumn, neutraliseFormula, wallClockDate } from './cell-values';
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
    return neutraliseFormula(displayText(column, value, options.timezone));
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
    const header = next.addRow(columns.map((column) => neutraliseFormula(column.label)));
    header.font = { bold: true };
    header.commit();
    sheet = next;
    sheetRows = 0;
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
        sheet?.addRow(columns.map((column) => cellOf(column, row[column.slug]))).commit();
        sheetRows += 1;
      }
      // Let archiver's deflate move the committed rows into `out`, then honour out's backpressure.
      await yieldToEventLoop();
      await waitForDrain(out);
    },
    async finish() {
      sheet?.commit();
      await workbook.commit();
    },
  };
};
