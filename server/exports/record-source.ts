import postgres from 'postgres';
import type { AttributeSpec, ObjectSlug } from '../../shared/catalog';
import type { CrmRecord } from '../../shared/records';
import { type Database, yieldToEventLoop } from '../db/database';
import { buildRecordSelect, countRecords, selectRecordPage } from '../records/record-query';
import { toRecord } from '../records/record-shape';
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
  // `date` columns stay 'YYYY-MM-DD' strings (as drizzle's mode: 'string' gives them); timestamps are Dates.
  const client = postgres(url, {
    max: maxConnections,
    onnotice: () => {},
    types: {
      date: { to: 1082, from: [1082], serialize: (value: string) => value, parse: (value: string) => value },
    },
  });
  return {
    async read({ object, query, attributes, batchSize, onTotal, onBatch }) {
      const builder = buildRecordSelect(database.db, query, {
        attributes,
      });
      const { sql: text, params } = builder.toSQL();
      // Rows come back as arrays in select-list order; the builder's selection names each position.
      const names = Object.keys(builder._.selectedFields);
      const parameters = params as postgres.ParameterOrJSON<never>[];
      await client.begin('isolation level repeatable read read only', async (tx) => {
        const [counted] = await tx.unsafe<{ total: string }[]>(
          `select count(*) as total from (${text}) as export_rows`,
          parameters,
        );
        await onTotal(Number(counted?.total ?? 0));
        const cursor = tx.unsafe(text, parameters).values().cursor(batchSize);
        for await (const batch of cursor) {
          const rows = (batch as unknown[][]).map((values) => {
            const row: Record<string, unknown> = {};
            names.forEach((name, index) => {
              row[name] = values[index];
            });
            return toRecord(object, row, attributes);
          });
          await onBatch(rows);
        }
      });
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
