import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { objectSpec } from '../../shared/catalog';
import { StartExportInput } from '../../shared/exports';
import type { CrmRecord } from '../../shared/records';
import type { Database } from '../db/database';
import { seedDemo } from '../db/seed-demo';
import { openTestDatabase } from '../db/test-database';
import { countRecords, type ResolvedRecordQuery, selectRecordPage } from '../records/record-query';
import { planExport } from './export-plan';
import {
  createPostgresRecordSource,
  createRecordSource,
  type PostgresReader,
  type RecordSource,
} from './record-source';

/**
 * Runs on PGlite (keyset pages) and, with DATABASE_URL, on Postgres: once as `createRecordSource` picks
 * (streamed, for the test server's plain connection), once through the read-ahead cursor that TLS and
 * multi-host URLs use.
 */
const readers: (PostgresReader | 'default')[] = process.env.DATABASE_URL
  ? ['default', 'cursor']
  : ['default'];

for (const reader of readers)
  describe(`record source (${reader})`, () => {
    let testDatabase: Awaited<ReturnType<typeof openTestDatabase>>;
    let database: Database;
    let source: RecordSource;
    let query: ResolvedRecordQuery;
    const attributes = objectSpec('people').attributes.filter((attribute) => attribute.exportable);

    before(async () => {
      testDatabase = await openTestDatabase();
      database = testDatabase.database;
      await seedDemo(database);
      source =
        reader === 'default' || !database.url
          ? createRecordSource(database, 1)
          : createPostgresRecordSource(database, database.url, reader, 1);
      const [member] = await database.db.select().from(users).where(eq(users.email, 'member@acme.test'));
      assert.ok(member);
      const scope = { workspaceId: member.workspaceId, userId: member.id, role: 'member' as const };
      const request = StartExportInput.parse({ object: 'people', format: 'csv' });
      query = (await planExport(database.db, scope, request)).query;
    });
    after(async () => {
      await source?.close();
      await testDatabase?.drop();
    });

    async function listed(): Promise<CrmRecord[]> {
      const records: CrmRecord[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await selectRecordPage(database.db, query, { after, limit: 500, attributes });
        records.push(...page.rows);
        if (!page.nextCursor) return records;
        after = page.nextCursor;
      }
    }

    test('the total first, then every record in the list order, in batches of at most batchSize', async () => {
      const events: (number | CrmRecord[])[] = [];
      await source.read({
        object: 'people',
        query,
        attributes,
        batchSize: 7,
        onTotal: async (total) => {
          events.push(total);
        },
        onBatch: async (rows) => {
          events.push(rows);
        },
      });
      const [total, ...batches] = events;
      const expected = await listed();
      assert.ok(expected.length > 14, 'the demo has people for several batches');
      assert.equal(total, await countRecords(database.db, query));
      assert.equal(total, expected.length);
      assert.ok(batches.every((batch) => Array.isArray(batch) && batch.length > 0 && batch.length <= 7));
      assert.deepEqual(batches.flat(), expected);
    });

    test('batches are written one at a time and in order, even when writing is slower than reading', async () => {
      let writing = 0;
      let mostAtOnce = 0;
      const written: CrmRecord[] = [];
      await source.read({
        object: 'people',
        query,
        attributes,
        batchSize: 50,
        onTotal: async () => {},
        onBatch: async (rows) => {
          writing++;
          mostAtOnce = Math.max(mostAtOnce, writing);
          await new Promise((resolve) => setTimeout(resolve, 3));
          written.push(...rows);
          writing--;
        },
      });
      assert.equal(mostAtOnce, 1);
      assert.deepEqual(written, await listed());
    });

    test('a failing batch stops the read: no later batch is written and read rejects with its error', async () => {
      const failure = new Error('disk full');
      const written: number[] = [];
      const reading = source.read({
        object: 'people',
        query,
        attributes,
        batchSize: 5,
        onTotal: async () => {},
        onBatch: async (rows) => {
          written.push(rows.length);
          if (written.length === 2) throw failure;
        },
      });
      await assert.rejects(reading, (error) => error === failure);
      assert.equal(written.length, 2);
      // The source is still usable afterwards (its connection went back to the pool).
      let rows = 0;
      await source.read({
        object: 'people',
        query,
        attributes,
        batchSize: 50,
        onTotal: async () => {},
        onBatch: async (batch) => {
          rows += batch.length;
        },
      });
      assert.equal(rows, (await listed()).length);
    });
  });
