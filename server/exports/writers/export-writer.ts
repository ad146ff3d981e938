import type { Writable } from 'node:stream';
import type { CrmRecord } from '../../../shared/records';
import type { ExportColumn } from './cell-values';

export type { ExportColumn } from './cell-values';

/** How the requester asked the file to look (the export's `options`, defaults applied). */
export interface WriterOptions {
  includeBom: boolean;
  delimiter: string;
  timezone: string;
  jsonLines: boolean;
  values: 'labels' | 'raw';
  dateFormat: 'iso' | 'spreadsheet';
  /** Shown on the first page of a PDF: the object, the filter and the date range in words. */
  title: string;
  summary: readonly string[];
}

/**
 * Every format is the same small streaming interface. A writer writes to `out` and respects its
 * backpressure: `writeRows` resolves only once `out` can take more, so a slow disk slows the reader
 * instead of growing the heap.
 */
export interface ExportWriter {
  readonly contentType: string;
  readonly extension: string;
  writeHeader(columns: readonly ExportColumn[]): Promise<void>;
  /** Called once per batch. */
  writeRows(rows: readonly CrmRecord[]): Promise<void>;
  /** Flushes what is left and ends `out`. */
  finish(): Promise<void>;
  /** Present when the database can format this writer's rows (see exports/formatted/): CSV and JSON. */
  readonly formatted?: FormattedRowsInput;
}

/**
 * How a writer takes rows the database formatted: the COPY format to ask for, what must end each row in
 * the bytes handed to `write` (whole rows only), and `write` itself, between `writeHeader` and `finish`.
 */
export interface FormattedRowsInput {
  format: 'csv' | 'json';
  terminator: string;
  write(rows: Buffer): Promise<void>;
}

export type WriterFactory = (out: Writable, options: WriterOptions) => ExportWriter;

/** Writes a chunk and waits for `drain` when the stream's buffer is full. */
export async function writeWithBackpressure(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.write(chunk)) return;
  await waitForDrain(out);
}

export function waitForDrain(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      out.off('close', onClose);
      resolve();
    };
    const onError = (error: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      reject(error);
    };
    const onClose = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      reject(new Error('the output stream closed before it drained'));
    };
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onClose);
  });
}

export function endStream(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => {
      out.off('error', reject);
      resolve();
    });
  });
}
