import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase } from '../db/database';
import { openTestDatabase } from '../db/test-database';
import { createExportSignals } from './export-signals';

let testDb: Awaited<ReturnType<typeof openTestDatabase>>;
before(async () => {
  testDb = await openTestDatabase();
});
after(() => testDb.drop());

function firstPayload(on: (handler: (payload: string) => void) => Promise<void>) {
  let resolve: (payload: string) => void = () => {};
  const received = new Promise<string>((done) => {
    resolve = done;
  });
  return { ready: on((payload) => resolve(payload)), received };
}

test('a signal reaches the handlers of this process at once, with its payload', async () => {
  const signals = createExportSignals(testDb.database);
  const job = firstPayload((handler) => signals.on('job', handler));
  const cancel = firstPayload((handler) => signals.on('cancel', handler));
  await Promise.all([job.ready, cancel.ready]);
  await signals.send('job');
  await signals.send('cancel', 'export-1');
  assert.equal(await job.received, '');
  assert.equal(await cancel.received, 'export-1');
  await signals.close();
});

test('on Postgres, a signal reaches the workers of another process (LISTEN/NOTIFY)', {
  skip: process.env.DATABASE_URL ? false : 'PGlite belongs to one process',
}, async () => {
  assert.ok(testDb.url);
  // Another process's view of the same database: its own connection and its own signals.
  const otherDatabase = await openDatabase({ databaseUrl: testDb.url, maxConnections: 1 });
  const worker = createExportSignals(otherDatabase);
  const web = createExportSignals(testDb.database);
  const cancel = firstPayload((handler) => worker.on('cancel', handler));
  await cancel.ready;
  await web.send('cancel', 'export-2');
  assert.equal(await cancel.received, 'export-2');
  await worker.close();
  await web.close();
  await otherDatabase.close();
});
