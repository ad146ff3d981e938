import postgres from 'postgres';
import type { AttributeSpec, ObjectSlug } from '../../shared/catalog';
import type { CrmRecord } from '../../shared/records';
import { type Database, yieldToEventLoop } from '../db/database';
import { isoOfPostgresUtcTimestamp } from '../records/iso-instant';
import { buildRecordCount, buildRecordSelect, countRecords, selectRecordPage } from '../records/record-query';
import { recordReader } from '../records/record-shape';
import type { ResolvedQuery } from './export-plan';

export interface ReadOptions {
  object: ObjectSlug;
  query: ResolvedQuery;
  attributes: readonly AttributeSpec[];
  batchSize: number;
  /** Called once, with the row count of the snapshot, before the first batch. */
  onTotal(total: number): Promise<void>;
  /** Called per batch, in order; the next batch is read only after it resolves. */
  onBatch(rows: CrmRecord[]): Promise<void>;
}

/**
 * Reads an export's rows in batches, as one snapshot:
 * - on Postgres, one REPEATABLE READ READ ONLY transaction and a server-side cursor over the same SQL
 *   that `*.list` runs (drizzle's `.toSQL()`), on a connection of its own;
 * - on PGlite (one connection, the web server's too), keyset pages with the snapshot bound already in
 *   the query, yielding to the event loop after every batch so the server keeps answering.
 */
export interface RecordSource {
  read(options: ReadOptions): Promise<void>;
  close(): Promise<void>;
}

export function createRecordSource(database: Database, maxConnections: number): RecordSource {
  return database.kind === 'postgres' && database.url
    ? postgresCursorSource(database, database.url, maxConnections)
    : keysetSource(database);
}

function keysetSource(database: Database): RecordSource {
  return {
    async read({ query, attributes, batchSize, onTotal, onBatch }) {
      await onTotal(await countRecords(database.db, query));
      let after: string | undefined;
      for (;;) {
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
  // A client of its own: drizzle's postgres-js wrapper changes the date parsers of the client it wraps.
  // `date` columns stay 'YYYY-MM-DD' strings (as drizzle's mode: 'string' gives them). Timestamps arrive
  // as the ISO text `toRecord` would make of them, without a Date per value (a Date when the text is
  // not in the UTC form, say on a server whose TimeZone is not UTC); parameters serialise as before.
  const client = postgres(url, {
    max: maxConnections,
    onnotice: () => {},
    types: {
      date: { to: 1082, from: [1082], serialize: (value: string) => value, parse: (value: string) => value },
      timestamptz: {
        to: 1184,
        from: [1184],
        serialize: (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString(),
        parse: (text: string): Date | string => isoOfPostgresUtcTimestamp(text) ?? new Date(text),
      },
    },
  });
  return {
    async read({ object, query, attributes, batchSize, onTotal, onBatch }) {
      const builder = exportSelect(database, query, attributes);
      const { sql: text, params } = builder.toSQL();
      // Rows come back as arrays in select-list order; the builder's selection names each position.
      const toRecord = recordReader(object, Object.keys(builder._.selectedFields), attributes);
      const parameters = params as postgres.ParameterOrJSON<never>[];
      await client.begin('isolation level repeatable read read only', async (tx) => {
        const count = buildRecordCount(database.db, query).toSQL();
        const [counted] = await tx
          .unsafe(count.sql, count.params as postgres.ParameterOrJSON<never>[])
          .values();
        await onTotal(Number(counted?.[0] ?? 0));
        const reading = readAhead(onBatch);
        await tx
          .unsafe(text, parameters)
          .values()
          .cursor(batchSize, (batch) => reading.next((batch as unknown[][]).map(toRecord)));
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
