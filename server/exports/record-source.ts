import type { Readable } from 'node:stream';
import postgres from 'postgres';
import type { AttributeSpec, ObjectSlug } from '../../shared/catalog';
import type { CrmRecord } from '../../shared/records';
import { type Database, yieldToEventLoop } from '../db/database';
import { keysetCondition } from '../records/cursor';
import { isoOfPostgresUtcTimestamp } from '../records/iso-instant';
import {
  buildPageEnd,
  buildRecordCount,
  buildRecordSelect,
  type CursorValues,
  countRecords,
  cursorValuesOf,
  selectRecordPage,
} from '../records/record-query';
import { recordReader } from '../records/record-shape';
import { countInSlices } from './count-in-slices';
import type { ResolvedQuery } from './export-plan';
import { copyStatement } from './formatted/copy-statement';
import { buildFormattedSelect, type SqlFormat, type SqlValueStyle } from './formatted/formatted-select';
import { createRowFramer, type FramedRows } from './formatted/row-framer';
import { canPause, pausableConnections } from './pausable-socket';

export interface ReadOptions {
  object: ObjectSlug;
  query: ResolvedQuery;
  attributes: readonly AttributeSpec[];
  batchSize: number;
  /** Aborting it ends the read: the Postgres stream's connection is closed, PGlite stops before its next page. */
  signal?: AbortSignal;
  /** Called once, with the row count of the snapshot, before the first batch. */
  onTotal(total: number): Promise<void>;
  /** Called per batch, in order; the next batch is read only after it resolves. */
  onBatch(rows: CrmRecord[]): Promise<void>;
}

/** What a database-formatted read (CSV or JSON made by the database, see formatted-select.ts) needs. */
export interface FormattedReadOptions {
  query: ResolvedQuery;
  attributes: readonly AttributeSpec[];
  format: SqlFormat;
  style: SqlValueStyle;
  /** CSV's field delimiter. */
  delimiter: string;
  /** What ends each row in the bytes handed over (COPY ends them with LF). */
  terminator: string;
  /** Rows per batch handed to `onRows` (EXPORT_BATCH_SIZE). */
  batchSize: number;
  /** Rows per COPY on PGlite (Postgres streams the whole result). */
  pageRows: number;
  signal?: AbortSignal;
  onTotal(total: number): Promise<void>;
  /** Whole rows, in order, about 64 KiB at a time; the next ones are read only after it resolves. */
  onRows(rows: FramedRows): Promise<void>;
}

/** Bytes of formatted rows handed over at once: COPY sends one message per row, a few dozen bytes each. */
const formattedChunkBytes = 64 * 1024;

/**
 * Reads an export's rows in batches, as one snapshot:
 * - on Postgres, one REPEATABLE READ READ ONLY transaction running the same SQL that `*.list` runs
 *   (drizzle's `.toSQL()`), on a connection of its own: streamed, or through a cursor (see below);
 * - on PGlite (one connection, the web server's too), keyset pages with the snapshot bound already in
 *   the query, yielding to the event loop after every batch so the server keeps answering.
 */
export interface RecordSource {
  read(options: ReadOptions): Promise<void>;
  /** The rows as the file's bytes, formatted by the database (`COPY … TO STDOUT`, or to a blob per page). */
  readFormatted(options: FormattedReadOptions): Promise<void>;
  close(): Promise<void>;
}

export function createRecordSource(database: Database, maxConnections: number): RecordSource {
  if (database.kind !== 'postgres' || !database.url) return keysetSource(database);
  return createPostgresRecordSource(database, database.url, postgresReaderFor(database.url), maxConnections);
}

/** Streamed, unless the URL names several hosts (postgres.js picks one, and its socket cannot be paused). */
export function postgresReaderFor(url: string): PostgresReader {
  return canPause(url) ? 'stream' : 'cursor';
}

/**
 * How a Postgres source reads: `stream` runs the query once and lets its rows flow, pausing the socket
 * while a batch is written; `cursor` fetches batch after batch from a server-side cursor.
 */
export type PostgresReader = 'stream' | 'cursor';

export function createPostgresRecordSource(
  database: Database,
  url: string,
  reader: PostgresReader,
  maxConnections: number,
): RecordSource {
  return reader === 'stream'
    ? postgresStreamSource(database, url)
    : postgresCursorSource(database, url, maxConnections);
}

/** The postgres.js options both Postgres readers share. */
function clientOptions(max: number) {
  // A client of its own: drizzle's postgres-js wrapper changes the date parsers of the client it wraps.
  // `date` columns stay 'YYYY-MM-DD' strings (as drizzle's mode: 'string' gives them). Timestamps arrive
  // as the ISO text `toRecord` would make of them, without a Date per value (a Date when the text is
  // not in the UTC form, say on a server whose TimeZone is not UTC); parameters serialise as before.
  return {
    max,
    onnotice: () => {},
    // Names the export's reads in pg_stat_activity (operators, and the connection-loss test).
    connection: { application_name: 'crm-export-read' },
    types: {
      date: { to: 1082, from: [1082], serialize: (value: string) => value, parse: (value: string) => value },
      timestamptz: {
        to: 1184,
        from: [1184],
        serialize: (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString(),
        parse: (text: string): Date | string => isoOfPostgresUtcTimestamp(text) ?? new Date(text),
      },
    },
  };
}

interface ExportStatement {
  text: string;
  parameters: postgres.ParameterOrJSON<never>[];
  count: { text: string; parameters: postgres.ParameterOrJSON<never>[] };
  toRecord(values: readonly unknown[]): CrmRecord;
}

function exportStatement(
  database: Database,
  object: ObjectSlug,
  query: ResolvedQuery,
  attributes: readonly AttributeSpec[],
): ExportStatement {
  const builder = exportSelect(database, query, attributes);
  const { sql: text, params } = builder.toSQL();
  const count = buildRecordCount(database.db, query).toSQL();
  return {
    text,
    parameters: params as postgres.ParameterOrJSON<never>[],
    count: { text: count.sql, parameters: count.params as postgres.ParameterOrJSON<never>[] },
    // Rows come back as arrays in select-list order; the builder's selection names each position.
    toRecord: recordReader(object, Object.keys(builder._.selectedFields), attributes),
  };
}

/**
 * Sets up the export's transaction and counts its rows in the snapshot. JIT is off: it compiles each
 * export's query for about 90 ms and won nothing back on the exports measured (1M people: 3.4 s of
 * execution with it, 3.2 s without).
 */
async function countInSnapshot(tx: postgres.TransactionSql, statement: ExportStatement): Promise<number> {
  await tx.unsafe('set local jit = off');
  const [counted] = await tx.unsafe(statement.count.text, statement.count.parameters).values();
  return Number(counted?.[0] ?? 0);
}

/**
 * The query runs once and Postgres sends its rows as fast as it makes them. A cursor makes the database
 * wait for each batch to be asked for, so it idles while this process formats the one before (measured
 * on 1M people with 3 ms of work per 1,000 rows: 7.6 s through a cursor, 5.0 s streamed). Memory stays
 * bounded all the same: while a batch is being written the socket is paused, and TCP's flow control
 * stops Postgres once the socket's buffers are full. A batch never waits for more than one socket read
 * to be handed over, and batches are written one at a time, in order.
 */
function postgresStreamSource(database: Database, url: string): RecordSource {
  return {
    readFormatted: (options) => readFormattedFromPostgres(database, url, options),
    async read({ object, query, attributes, batchSize, signal, onTotal, onBatch }) {
      const statement = exportStatement(database, object, query, attributes);
      const connections = pausableConnections(url);
      // `socket` is a postgres.js option its type declarations leave out.
      const options = { ...clientOptions(1), ...connections.clientOptions };
      const client = postgres(url, options);
      // An export ended from outside (stalled, storage failed, shutdown) drops its connection at once:
      // the transaction would otherwise stay open on a paused socket.
      const abort = endOnAbortOnceBegun(signal, () => void client.end({ timeout: 0 }).catch(() => {}));
      // The first failed batch, kept outside the transaction: after it the query is cancelled, and a
      // cancel that lands late (on the rollback, say) must not replace the error the caller gets.
      let failure: { error: unknown } | undefined;
      try {
        await client.begin('isolation level repeatable read read only', async (tx) => {
          abort.begun();
          await onTotal(await countInSnapshot(tx, statement));
          const rows = tx.unsafe(statement.text, statement.parameters).values();
          let written: Promise<void> = Promise.resolve();
          let writing = 0;
          let streaming = true;
          const write = (batch: unknown[][]) => {
            writing++;
            connections.pause();
            written = written
              .then(() => onBatch(batch.map(statement.toRecord)))
              .then(() => {
                if (--writing === 0) connections.resume();
              });
            written.catch((error: unknown) => {
              if (failure) return;
              failure = { error };
              connections.resume();
              if (streaming) rows.cancel();
            });
          };
          let batch: unknown[][] = [];
          try {
            await rows.forEach((values) => {
              if (failure) return;
              batch.push(values);
              if (batch.length === batchSize) {
                write(batch);
                batch = [];
              }
            });
          } finally {
            streaming = false;
          }
          if (batch.length && !failure) write(batch);
          await written;
        });
      } catch (error) {
        throw failure ? failure.error : error;
      } finally {
        abort.dispose();
        await client.end({ timeout: 5 });
      }
    },
    async close() {},
  };
}

/**
 * Ends a reader's connection when `signal` aborts, but never while that connection is starting.
 * postgres.js runs a query of its own first on each new connection (the array types) and attaches no
 * handler to it: a connection ended under it rejects that query unheard, and Node ends the process on
 * an unhandled rejection (porsager/postgres#1192 and #1205, open). Here a cancel landing just as a freed
 * worker's next export connected did it. So until the transaction has begun an abort only counts:
 * `begun()`, the transaction's first step, throws if the signal has aborted; after it an abort ends the
 * connection at once.
 */
function endOnAbortOnceBegun(signal: AbortSignal | undefined, end: () => void) {
  let begun = false;
  const onAbort = () => {
    if (begun) end();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    begun() {
      begun = true;
      signal?.throwIfAborted();
    },
    dispose() {
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function keysetSource(database: Database): RecordSource {
  return {
    readFormatted: (options) => readFormattedFromPglite(database, options),
    async read({ query, attributes, batchSize, signal, onTotal, onBatch }) {
      await onTotal(await countRecords(database.db, query));
      let after: string | undefined;
      for (;;) {
        signal?.throwIfAborted();
        const page = await selectRecordPage(database.db, query, {
          after,
          limit: batchSize,
          attributes,
        });
        await yieldToEventLoop();
        if (page.rows.length) await onBatch(page.rows);
        if (!page.nextCursor || !page.rows.length) return;
        after = page.nextCursor;
      }
    },
    async close() {},
  };
}

function postgresCursorSource(database: Database, url: string, maxConnections: number): RecordSource {
  const client = postgres(url, clientOptions(maxConnections));
  return {
    readFormatted: (options) => readFormattedFromPostgres(database, url, options),
    async read({ object, query, attributes, batchSize, onTotal, onBatch }) {
      const statement = exportStatement(database, object, query, attributes);
      await client.begin('isolation level repeatable read read only', async (tx) => {
        await onTotal(await countInSnapshot(tx, statement));
        const reading = readAhead(onBatch);
        await tx
          .unsafe(statement.text, statement.parameters)
          .values()
          .cursor(batchSize, (batch) => reading.next((batch as unknown[][]).map(statement.toRecord)));
        await reading.end();
      });
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * The query an export streams on Postgres: the records' select list without the page-continuation sort
 * values. The COPY baseline of `npm run bench:export` runs exactly this query too.
 */
export function exportSelect(
  database: Database,
  query: ResolvedQuery,
  attributes: readonly AttributeSpec[],
): ReturnType<typeof buildRecordSelect> {
  return buildRecordSelect(database.db, query, { attributes, sortValues: false });
}

/**
 * Hands batches to `onBatch` one at a time, in order, while the cursor fetches the next one: `next`
 * queues a batch behind the one being written and resolves (letting the driver ask for another batch)
 * once that one is written, so the database works on batch n+1 while this process formats batch n.
 * At most two batches wait here. postgres.js does not await the callback of the last batch, so `next`
 * never rejects on its own: the first failed `onBatch` rejects every later `next` (which stops the
 * cursor) and `end`, which resolves once every queued batch is written.
 */
function readAhead(onBatch: (rows: CrmRecord[]) => Promise<void>) {
  let written: Promise<void> = Promise.resolve();
  return {
    next(rows: CrmRecord[]): Promise<void> {
      const previous = written;
      written = previous.then(() => onBatch(rows));
      written.catch(() => {}); // observed by the next `next` or by `end`
      return previous;
    },
    end: (): Promise<void> => written,
  };
}

/**
 * Collects framed rows into batches for `onRows`: at most `batchSize` rows (EXPORT_BATCH_SIZE: progress,
 * cancel checks and the throttle go by batch), and no more than about `formattedChunkBytes` of them.
 */
function rowBatches(onRows: (rows: FramedRows) => Promise<void>, batchSize: number) {
  let parts: Buffer[] = [];
  let rows = 0;
  let size = 0;
  const flush = async () => {
    if (!rows) return;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    const counted = rows;
    parts = [];
    rows = 0;
    size = 0;
    await onRows({ bytes, rows: counted });
  };
  return {
    /** Takes pieces of at most `batchSize` rows each (the framer's `maxRows`). */
    async add(pieces: readonly FramedRows[]) {
      for (const piece of pieces) {
        if (rows + piece.rows > batchSize) await flush();
        parts.push(piece.bytes);
        rows += piece.rows;
        size += piece.bytes.length;
        if (size >= formattedChunkBytes || rows >= batchSize) await flush();
      }
    },
    flush,
  };
}

/**
 * Exports at least this big read the table in one scan and sort it rather than walking the sort index:
 * the index visits the heap in random order (`created_at` has no correlation with where rows live), one
 * buffer read per row once the table outgrows shared_buffers. COPY of the formatted people export on 1M
 * people (local Postgres 15, 128 MB shared_buffers, two rounds): 6.9–7.8 s through the index, 3.9–4.0 s
 * by scan + sort; on a 100k-row date range 0.64–0.70 s against 0.51–0.77 s; on 10k rows 0.07 s against
 * 0.09 s. Bitmap scans stay allowed, so a selective filter still uses its index.
 */
export const sequentialScanRows = 100_000;

/**
 * The formatted rows on Postgres: one `COPY (formatted select) TO STDOUT` in a REPEATABLE READ READ ONLY
 * transaction on a connection of its own (the count and the rows see one snapshot), the session's
 * TimeZone set to the export's zone for the timestamps. postgres.js pauses the socket while its readable
 * is full, so a slow storage slows Postgres down instead of filling memory.
 */
async function readFormattedFromPostgres(
  database: Database,
  url: string,
  options: FormattedReadOptions,
): Promise<void> {
  const { query, attributes, format, style, signal } = options;
  const select = buildFormattedSelect(database.db, query, attributes, format, style).toSQL();
  const copy = copyStatement(select, format, options.delimiter, 'stdout');
  const count = buildRecordCount(database.db, query).toSQL();
  const client = postgres(url, clientOptions(1));
  let readable: Readable | undefined;
  // postgres.js pauses its socket while the COPY's readable is full, and resumes it only when the
  // readable is read again. Ending the connection stops listening without resuming it, and a paused
  // socket never sees the server close it: it would keep the process alive. So once the connection is
  // ended the socket is resumed (by asking the readable for more), and runs to its end.
  const resumeSocket = () => {
    try {
      readable?._read(0);
    } catch {
      // The connection already closed, and postgres.js let go of its socket.
    }
  };
  // Mid-COPY the connection cannot run a ROLLBACK: it goes, and the transaction with it.
  const drop = () => void client.end({ timeout: 0 }).then(resumeSocket, resumeSocket);
  const abort = endOnAbortOnceBegun(signal, drop);
  // The first failure of the caller's `onRows`: dropping the connection afterwards fails the transaction
  // with a connection error, which must not replace it.
  let failure: { error: unknown } | undefined;
  try {
    await client.begin('isolation level repeatable read read only', async (tx) => {
      abort.begun();
      await tx.unsafe(`${formattingSettings}, set_config('jit', 'off', true)`, [style.timezone]);
      const [counted] = await tx
        .unsafe(count.sql, count.params as postgres.ParameterOrJSON<never>[])
        .values();
      const total = Number(counted?.[0] ?? 0);
      await options.onTotal(total);
      if (total >= sequentialScanRows) await tx.unsafe('set local enable_indexscan = off');
      const framer = createRowFramer(format, options.terminator);
      const batches = rowBatches(options.onRows, options.batchSize);
      readable = await tx.unsafe(copy).readable();
      try {
        for await (const chunk of readable)
          await batches.add(framer.push(chunk as Buffer, options.batchSize));
        await batches.flush();
        framer.end();
        // When the last rows and the end of the COPY arrive in one socket read, the readable ends full:
        // it is never asked for more, and the COMMIT's answer would never be read (porsager/postgres#499,
        // fix proposed in #1016).
        resumeSocket();
      } catch (error) {
        failure ??= { error };
        drop();
        throw error;
      }
    });
  } catch (error) {
    throw failure ? failure.error : error;
  } finally {
    abort.dispose();
    await client.end({ timeout: 5 });
  }
}

/**
 * The formatted rows on PGlite, a keyset page at a time: each page is one short transaction that finds
 * where the page ends (the sort values of its last row) and copies the page's rows to a blob. PGlite
 * runs on the web server's thread, so the event loop gets a turn between pages; the snapshot bound is
 * in the query already (see planExport).
 */
async function readFormattedFromPglite(database: Database, options: FormattedReadOptions): Promise<void> {
  const { query, attributes, format, style, signal, pageRows } = options;
  const pglite = database.pglite;
  if (!pglite) throw new Error('a PGlite source needs the PGlite client');
  await options.onTotal(await countInSlices(database, query));
  const framer = createRowFramer(format, options.terminator);
  let after: CursorValues | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const where = after ? keysetCondition(query.orderKeys, after) : undefined;
    const page = buildFormattedSelect(database.db, query, attributes, format, style, {
      where,
      limit: pageRows,
    }).toSQL();
    const boundary = buildPageEnd(database.db, query, { after, limit: pageRows }).toSQL();
    const copied = await pglite.transaction(async (tx) => {
      await tx.query(formattingSettings, [style.timezone]);
      const last = (await tx.query<Record<string, unknown>>(boundary.sql, boundary.params)).rows[0];
      const result = await tx.query(copyStatement(page, format, options.delimiter, "'/dev/blob'"));
      return { last, blob: result.blob };
    });
    await yieldToEventLoop();
    if (copied.blob)
      for (const batch of framer.push(Buffer.from(await copied.blob.arrayBuffer()), options.batchSize))
        await options.onRows(batch);
    if (!copied.last) break;
    after = cursorValuesOf(query, copied.last);
  }
  framer.end();
}

/**
 * The transaction settings a database-formatted read needs, in one statement: the export's zone for the
 * timestamps ($1), and backslashes as plain characters in the inlined literals (copy-statement.ts).
 */
const formattingSettings =
  "select set_config('TimeZone', $1, true), set_config('standard_conforming_strings', 'on', true)";
