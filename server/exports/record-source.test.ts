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
import { type PostgresTlsProxy, startPostgresTlsProxy } from '../testing/postgres-tls-proxy';
import { planExport } from './export-plan';
import {
  createPostgresRecordSource,
  createRecordSource,
  postgresReaderFor,
  type RecordSource,
} from './record-source';

/**
 * Runs on PGlite (keyset pages) and, with DATABASE_URL, on Postgres three times: as `createRecordSource`
 * picks (streamed), streamed over TLS (through a TLS-terminating proxy in front of the test server), and
 * through the read-ahead cursor that multi-host URLs use.
 */
const readers = process.env.DATABASE_URL ? ['default', 'tls', 'cursor'] : ['default'];

for (const reader of readers)
  describe(`record source (${reader})`, () => {
    let testDatabase: Awaited<ReturnType<typeof openTestDatabase>>;
    let database: Database;
    let source: RecordSource;
    let tlsProxy: PostgresTlsProxy | undefined;
    let query: ResolvedRecordQuery;
    const attributes = objectSpec('people').attributes.filter((attribute) => attribute.exportable);

    before(async () => {
      testDatabase = await openTestDatabase();
      database = testDatabase.database;
      await seedDemo(database);
      if (reader === 'tls' && testDatabase.url) {
        tlsProxy = await startPostgresTlsProxy(testDatabase.url);
        const url = tlsProxy.urlFor(testDatabase.url);
        assert.equal(postgresReaderFor(url), 'stream');
        source = createRecordSource({ ...database, url }, 1);
      } else if (reader === 'cursor' && testDatabase.url) {
        source = createPostgresRecordSource(database, testDatabase.url, 'cursor', 1);
      } else {
        source = createRecordSource(database, 1);
      }
      const [member] = await database.db.select().from(users).where(eq(users.email, 'member@acme.test'));
      assert.ok(member);
      const scope = { workspaceId: member.workspaceId, userId: member.id, role: 'member' as const };
      const request = StartExportInput.parse({ object: 'people', format: 'csv' });
      query = (await planExport(database.db, scope, request)).query;
    });
    after(async () => {
      await source?.close();
      if (tlsProxy) {
        assert.ok(tlsProxy.tlsSessions > 0, 'the rows came through TLS');
        await tlsProxy.close();
      }
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

    /** Reads the people query in batches of `batchSize`, handing each batch to `onBatch`. */
    function readPeople(batchSize: number, onBatch: (rows: CrmRecord[]) => Promise<void>): Promise<void> {
      return source.read({
        object: 'people',
        query,
        attributes,
        batchSize,
        onTotal: async () => {},
        onBatch,
      });
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
      await readPeople(50, async (rows) => {
        writing++;
        mostAtOnce = Math.max(mostAtOnce, writing);
        await new Promise((resolve) => setTimeout(resolve, 3));
        written.push(...rows);
        writing--;
      });
      assert.equal(mostAtOnce, 1);
      assert.deepEqual(written, await listed());
    });

    test('a failing batch stops the read: no later batch is written and read rejects with its error', async () => {
      const failure = new Error('disk full');
      const written: number[] = [];
      const reading = readPeople(5, async (rows) => {
        written.push(rows.length);
        if (written.length === 2) throw failure;
      });
      await assert.rejects(reading, (error) => error === failure);
      assert.equal(written.length, 2);
      // The source is still usable afterwards (its connection went back to the pool).
      let rows = 0;
      await readPeople(50, async (batch) => {
        rows += batch.length;
      });
      assert.equal(rows, (await listed()).length);
    });
  });
