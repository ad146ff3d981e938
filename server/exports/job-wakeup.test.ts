import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase } from '../db/database';
import { openTestDatabase } from '../db/test-database';
import { createJobWakeup } from './job-wakeup';

let testDb: Awaited<ReturnType<typeof openTestDatabase>>;
before(async () => {
  testDb = await openTestDatabase();
});
after(() => testDb.drop());

function nextWake(listen: (wake: () => void) => Promise<void>) {
  let resolve: () => void = () => {};
  const woken = new Promise<void>((done) => {
    resolve = done;
  });
  return { ready: listen(() => resolve()), woken };
}

test('announcing a new export wakes the workers of this process at once', async () => {
  const wakeup = createJobWakeup(testDb.database);
  const { ready, woken } = nextWake((wake) => wakeup.listen(wake));
  await ready;
  await wakeup.announce();
  await woken;
  await wakeup.close();
});

test('on Postgres, announcing wakes the workers of another process (LISTEN/NOTIFY)', {
  skip: process.env.DATABASE_URL ? false : 'PGlite belongs to one process',
}, async () => {
  const url = testDb.url;
  assert.ok(url);
  // Another process's view of the same database: its own connection and its own wakeup.
  const otherDatabase = await openDatabase({ databaseUrl: url, maxConnections: 1 });
  const worker = createJobWakeup(otherDatabase);
  const web = createJobWakeup(testDb.database);
  const { ready, woken } = nextWake((wake) => worker.listen(wake));
  await ready;
  await web.announce();
  await woken;
  await worker.close();
  await web.close();
  await otherDatabase.close();
});
