import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { StartExportInput } from '../../shared/exports';
import type { Database } from '../db/database';
import { seedDemo } from '../db/seed-demo';
import { openTestDatabase } from '../db/test-database';
import { type ExportPlan, planExport } from './export-plan';
import { createRecordSource, type RecordSource } from './record-source';

/**
 * A relay to Postgres that holds back the first packet a client sends containing `text`, until the test
 * lets it through: the moment a new connection is in the middle of postgres.js's own startup query.
 */
async function startHoldingRelay(databaseUrl: string, text: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let reached = (_release: () => void) => {};
  const holding = new Promise<() => void>((resolve) => {
    reached = resolve;
  });
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (held || !chunk.includes(text)) {
        upstream.write(chunk);
        return;
      }
      held = true;
      client.pause();
      reached(() => {
        if (!upstream.destroyed) upstream.write(chunk);
        client.resume();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    /** Resolves, with the function that lets the packet through, once it has been held. */
    holding,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('an export cancelled while its read is still connecting', {
  skip: process.env.DATABASE_URL ? false : 'needs Postgres (DATABASE_URL): PGlite has no connection',
}, () => {
  let testDatabase: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  let plan: ExportPlan;

  before(async () => {
    testDatabase = await openTestDatabase();
    database = testDatabase.database;
    await seedDemo(database);
    const [member] = await database.db.select().from(users).where(eq(users.email, 'member@acme.test'));
    assert.ok(member);
    const scope = { workspaceId: member.workspaceId, userId: member.id, role: 'member' as const };
    plan = await planExport(database.db, scope, StartExportInput.parse({ object: 'people', format: 'csv' }));
  });
  after(() => testDatabase?.drop());

  const reads: Record<string, (source: RecordSource, signal: AbortSignal) => Promise<void>> = {
    records: (source, signal) =>
      source.read({
        object: 'people',
        query: plan.query,
        attributes: plan.attributes,
        batchSize: 100,
        signal,
        onTotal: async () => {},
        onBatch: async () => {},
      }),
    'rows formatted by Postgres': (source, signal) =>
      source.readFormatted({
        query: plan.query,
        attributes: plan.attributes,
        format: 'csv',
        style: { timezone: 'UTC', values: 'labels', timestamps: 'iso' },
        delimiter: ',',
        terminator: '\r\n',
        batchSize: 100,
        pageRows: 100,
        signal,
        onTotal: async () => {},
        onRows: async () => {},
      }),
  };

  for (const [name, read] of Object.entries(reads))
    test(`${name}: the read ends with the cancel's reason, and nothing is left unhandled`, async () => {
      // postgres.js's first query on a new connection (the array types) has no handler of its own: a
      // connection ended under it would be an unhandled rejection, which ends a Node process.
      const relay = await startHoldingRelay(testDatabase.url ?? '', 'typarray');
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const source = createRecordSource({ ...database, url: relay.url }, 1);
      try {
        const controller = new AbortController();
        const reading = read(source, controller.signal);
        reading.catch(() => {}); // observed below
        const release = await relay.holding;
        controller.abort(new Error('cancelled by the test'));
        await sleep(100);
        release();
        await assert.rejects(reading, /cancelled by the test/);
        await sleep(100);
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await source.close();
        await relay.close();
      }
    });
});
