import type { ExportFormat } from '../../../shared/exports';
import { createCsvWriter } from './csv-writer';
import type { WriterFactory } from './export-writer';
import { createJsonWriter } from './json-writer';
import { createPdfWriter } from './pdf-writer';
import { createXlsxWriter } from './xlsx-writer';

export type { ExportColumn, ExportWriter, WriterOptions } from './export-writer';

export const writerFactories: Record<ExportFormat, WriterFactory> = {
  csv: createCsvWriter,
  xlsx: createXlsxWriter,
  json: createJsonWriter,
  pdf: createPdfWriter,
};

/** What a finished file of each format is served as (JSON Lines changes it, see the JSON writer). */
export function fileTypeOf(
  format: ExportFormat,
  jsonLines: boolean,
): { extension: string; contentType: string } {
  switch (format) {
    case 'csv':
      return { extension: 'csv', contentType: 'text/csv; charset=utf-8' };
    case 'xlsx':
      return {
        extension: 'xlsx',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      };
    case 'json':
      return jsonLines
        ? { extension: 'ndjson', contentType: 'application/x-ndjson; charset=utf-8' }
        : { extension: 'json', contentType: 'application/json; charset=utf-8' };
    case 'pdf':
      return { extension: 'pdf', contentType: 'application/pdf' };
  }
}
