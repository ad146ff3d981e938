import type { CrmRecord, RecordValue } from '../../../shared/records';
import { type ExportColumn, jsonValue } from './cell-values';
import { type ExportWriter, endStream, type WriterFactory, writeWithBackpressure } from './export-writer';

/**
 * A streamed JSON array of objects keyed by slug (plus the record's `id`), or NDJSON with `jsonLines`.
 * No formula neutralising here: JSON is read by programs, which must get the value as stored.
 */
export const createJsonWriter: WriterFactory = (out, options): ExportWriter => {
  let columns: readonly ExportColumn[] = [];
  let first = true;
  const lines = options.jsonLines;
  const style = { timezone: options.timezone, values: options.values, timestamps: options.dateFormat };

  const objectOf = (row: CrmRecord) => {
    const object: Record<string, RecordValue> = { id: row.id };
    for (const column of columns) object[column.slug] = jsonValue(column, row[column.slug], style);
    return JSON.stringify(object);
  };

  return {
    contentType: lines ? 'application/x-ndjson; charset=utf-8' : 'application/json; charset=utf-8',
    extension: lines ? 'ndjson' : 'json',
    async writeHeader(chosen) {
      columns = chosen;
      if (!lines) await writeWithBackpressure(out, '[');
    },
    async writeRows(rows) {
      if (!rows.length) return;
      let chunk = '';
      for (const row of rows) {
        if (lines) chunk += `${objectOf(row)}\n`;
        else {
          chunk += `${first ? '\n' : ',\n'}${objectOf(row)}`;
          first = false;
        }
      }
      await writeWithBackpressure(out, chunk);
    },
    // Rows come one JSON object per line. In an array each ends with `,\n`, and the last chunk's last
    // separator is held back: it is written before the next chunk, or replaced by the closing bracket.
    formatted: {
      format: 'json',
      terminator: lines ? '\n' : ',\n',
      async write(rows) {
        if (lines) return writeWithBackpressure(out, rows);
        out.write(first ? '\n' : ',\n');
        first = false;
        await writeWithBackpressure(out, rows.subarray(0, rows.length - 2));
      },
    },
    async finish() {
      if (!lines) await writeWithBackpressure(out, first ? ']\n' : '\n]\n');
      await endStream(out);
    },
  };
};
