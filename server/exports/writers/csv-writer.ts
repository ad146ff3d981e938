import Papa from 'papaparse';
import type { CrmRecord } from '../../../shared/records';
import {
  displayText,
  type ExportColumn,
  isNumericColumn,
  neutraliseForCsv,
  type ValueStyle,
} from './cell-values';
import { type ExportWriter, endStream, type WriterFactory, writeWithBackpressure } from './export-writer';

const newline = '\r\n';

/** RFC 4180 CSV through papaparse, one `unparse` per batch; UTF-8 with a BOM so Excel shows accents. */
export const createCsvWriter: WriterFactory = (out, options): ExportWriter => {
  let columns: readonly ExportColumn[] = [];
  const style: ValueStyle = {
    timezone: options.timezone,
    values: options.values,
    timestamps: options.dateFormat,
  };
  const unparse = (rows: string[][]) =>
    Papa.unparse(rows, { delimiter: options.delimiter, newline, quotes: false, header: false }) + newline;

  return {
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    async writeHeader(chosen) {
      columns = chosen;
      const header = unparse([columns.map((column) => neutraliseForCsv(column.label))]);
      await writeWithBackpressure(out, (options.includeBom ? '\uFEFF' : '') + header);
    },
    async writeRows(rows: readonly CrmRecord[]) {
      if (!rows.length) return;
      const cells = rows.map((row) =>
        columns.map((column) => {
          const text = displayText(column, row[column.slug], style);
          return isNumericColumn(column) ? text : neutraliseForCsv(text);
        }),
      );
      await writeWithBackpressure(out, unparse(cells));
    },
    // Postgres's `FORMAT csv` quotes as papaparse does (see formatted-select.ts for the edge cases).
    formatted: { format: 'csv', terminator: newline, write: (rows) => writeWithBackpressure(out, rows) },
    finish: () => endStream(out),
  };
};
