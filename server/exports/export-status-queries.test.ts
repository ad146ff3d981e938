import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { createIdentityCache } from '../auth/identity-cache';
import { createClient } from '../sdk';
import { recordStatements, type StatementRecorder } from '../testing/record-statements';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { startWorkerHeartbeat } from './worker-heartbeat';

/**
 * exportStatus is what every open export dialog calls each second: once the caller is known (the identity
 * cache), a call costs one statement, the export's row read by its primary key, whatever its state, over
 * tRPC and REST, with a session or an API key. Rate limits are counted in memory (no REDIS_URL).
 */
let app: TestApp;
let recorder: StatementRecorder;
let exportId: string;
let key: string;

before(async () => {
  // No export engine: the export stays queued (its queue position and "waiting for a worker" are read).
  app = await startTestApp();
  // A TTL longer than the test, so no call here is the one every few seconds that looks its caller up.
  app.services.identities = createIdentityCache({ ttlMs: 10 * 60_000 });
  const admin = await app.loginAs('admin@acme.test');
  key = (await admin.apiKeys.create.mutate({ name: 'poller', scopes: ['exports:read'] })).key;
  const member = await app.loginAs('member@acme.test');
  exportId = (await member.startExport.mutate({ object: 'people', format: 'csv' })).id;
  recorder = recordStatements(app.database);
});
after(async () => {
  recorder?.stop();
  await app?.close();
});

/** The statements of `calls` calls after a first one (which may look the caller up). */
async function statementsPerCall(call: () => Promise<unknown>, calls = 5): Promise<string[][]> {
  await call();
  const perCall: string[][] = [];
  for (let index = 0; index < calls; index++) {
    recorder.clear();
    await call();
    perCall.push([...recorder.statements]);
  }
  return perCall;
}

function assertOneReadOfTheExport(perCall: string[][]): void {
  for (const statements of perCall) {
    assert.equal(statements.length, 1, `one statement per call, got:\n${statements.join('\n')}`);
    assert.match(statements[0] ?? '', /^select .* from "exports" inner join "users"/s);
  }
}

test('a queued export: one statement, with its queue position and whether a worker is alive', async () => {
  const member = await app.loginAs('member@acme.test');
  const status = () => member.exportStatus.query({ exportId });
  assertOneReadOfTheExport(await statementsPerCall(status));
  const queued = await status();
  assert.deepEqual(
    { status: queued.status, queuePosition: queued.queuePosition, waitingForWorker: queued.waitingForWorker },
    { status: 'queued', queuePosition: 1, waitingForWorker: true },
  );
  const heartbeat = await startWorkerHeartbeat(app.database, { slots: 1, logger: pino({ level: 'silent' }) });
  try {
    recorder.clear();
    assert.equal((await status()).waitingForWorker, false);
    assert.equal(recorder.statements.length, 1);
  } finally {
    await heartbeat.stop();
  }
});

test('a running export: one statement, over tRPC (session or API key) and over REST', async () => {
  await app.database.query(
    `update exports set status = 'running', started_at = now(), total_rows = 1000, processed_rows = 250
     where id = $1`,
    [exportId],
  );
  const member = await app.loginAs('member@acme.test');
  const withKey = createClient({ url: app.url, apiKey: key });
  assertOneReadOfTheExport(await statementsPerCall(() => member.exportStatus.query({ exportId })));
  assertOneReadOfTheExport(await statementsPerCall(() => withKey.exportStatus.query({ exportId })));
  const rest = async () => {
    const response = await fetch(`${app.url}/api/v1/exports/${exportId}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    assert.equal(response.status, 200);
    return response.json();
  };
  assertOneReadOfTheExport(await statementsPerCall(rest));
  const running = await member.exportStatus.query({ exportId });
  assert.deepEqual(
    { status: running.status, percent: running.percent, queuePosition: running.queuePosition },
    { status: 'running', percent: 25, queuePosition: null },
  );
  assert.equal(running.waitingForWorker, false);
});

test("someone else's export is still NOT_FOUND, in one statement", async () => {
  const viewer = await app.loginAs('viewer@acme.test');
  const globex = await app.loginAs('admin@globex.test');
  for (const caller of [viewer, globex]) {
    const perCall = await statementsPerCall(() => rejection(caller.exportStatus.query({ exportId })));
    assertOneReadOfTheExport(perCall);
    assert.equal((await rejection(caller.exportStatus.query({ exportId }))).data?.code, 'NOT_FOUND');
  }
});
