import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { StartExportInput } from '../../shared/exports';
import type { Database } from '../db/database';
import { seedDemo } from '../db/seed-demo';
import { openTestDatabase } from '../db/test-database';
import { countRecords } from '../records/record-query';
import { type CountSlices, countInSlices, countSlices, nextSliceRows } from './count-in-slices';
import { planExport, type ResolvedQuery } from './export-plan';

describe('slice sizes', () => {
  const limits: CountSlices = { firstRows: 100, minRows: 50, maxRows: 400, targetMs: 40 };

  test('a quick slice doubles the next, up to the largest', () => {
    assert.equal(nextSliceRows(100, 5, limits), 200);
    assert.equal(nextSliceRows(300, 19.9, limits), 400);
    assert.equal(nextSliceRows(400, 1, limits), 400);
  });

  test('a slow slice halves the next, down to the smallest', () => {
    assert.equal(nextSliceRows(400, 41, limits), 200);
    assert.equal(nextSliceRows(60, 500, limits), 50);
  });

  test('a slice within the target keeps its size', () => {
    assert.equal(nextSliceRows(200, 20, limits), 200);
    assert.equal(nextSliceRows(200, 40, limits), 200);
  });

  test('the defaults start small and may grow', () => {
    assert.ok(countSlices.minRows <= countSlices.firstRows && countSlices.firstRows < countSlices.maxRows);
  });
});

describe('countInSlices', () => {
  let testDatabase: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  let query: ResolvedQuery;
  let total: number;

  before(async () => {
    testDatabase = await openTestDatabase();
    database = testDatabase.database;
    await seedDemo(database);
    const [admin] = await database.db.select().from(users).where(eq(users.email, 'admin@acme.test'));
    assert.ok(admin);
    const scope = { workspaceId: admin.workspaceId, userId: admin.id, role: 'admin' as const };
    query = (
      await planExport(database.db, scope, StartExportInput.parse({ object: 'people', format: 'csv' }))
    ).query;
    total = await countRecords(database.db, query);
    assert.ok(total > 100, `${total} people to count`);
  });
  after(async () => {
    await testDatabase?.drop();
  });

  /** A clock by which every slice takes `msPerSlice`. */
  function steadyClock(msPerSlice: number): () => number {
    let time = 0;
    let reading = 0;
    return () => {
      // Each slice reads the clock twice: before and after its query.
      if (reading++ % 2 === 1) time += msPerSlice;
      return time;
    };
  }

  const limits: CountSlices = { firstRows: 7, minRows: 3, maxRows: 40, targetMs: 10 };

  test('growing slices count every row once', async () => {
    assert.equal(await countInSlices(database, query, limits, steadyClock(1)), total);
  });

  test('shrinking slices count every row once', async () => {
    assert.equal(await countInSlices(database, query, limits, steadyClock(100)), total);
  });

  test('a slice that ends on the last row, and one past it', async () => {
    const exact: CountSlices = { firstRows: total, minRows: total, maxRows: total, targetMs: 10 };
    assert.equal(await countInSlices(database, query, exact, steadyClock(5)), total);
    const past: CountSlices = { firstRows: total + 1, minRows: total + 1, maxRows: total + 1, targetMs: 10 };
    assert.equal(await countInSlices(database, query, past, steadyClock(5)), total);
  });

  test('the real clock and the default slices', async () => {
    assert.equal(await countInSlices(database, query), total);
  });
});
