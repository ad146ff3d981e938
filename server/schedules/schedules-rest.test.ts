import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../testing/test-app';

/** The REST routes for schedules, driven by the paths the OpenAPI document gives for each operationId. */

let app: TestApp;
let writerKey: string;
let readerKey: string;
let paths: Record<string, Record<string, { operationId?: string }>>;
type Body = Record<string, unknown> & { details?: Record<string, unknown>; schedules?: { id: string }[] };

before(async () => {
  // No export engine: a run's export stays queued, which is all these routes need.
  app = await startTestApp();
  const admin = await app.loginAs('admin@acme.test');
  writerKey = (await admin.apiKeys.create.mutate({ name: 'w', scopes: ['exports:read', 'exports:write'] }))
    .key;
  readerKey = (await admin.apiKeys.create.mutate({ name: 'r', scopes: ['exports:read'] })).key;
  paths = ((await (await fetch(`${app.url}/api/openapi.json`)).json()) as { paths: typeof paths }).paths;
});
after(() => app?.close());

async function call(operationId: string, options: { id?: string; body?: unknown; key?: string } = {}) {
  const found = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([, operation]) => operation.operationId === operationId)
      .map(([method]) => ({ path, method })),
  )[0];
  assert.ok(found, `no operation ${operationId}`);
  const response = await fetch(`${app.url}${found.path.replace('{id}', options.id ?? '')}`, {
    method: found.method.toUpperCase(),
    headers: {
      Authorization: `Bearer ${options.key ?? writerKey}`,
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Body,
  };
}

test('create, get, list, update, run, pause, resume and delete over REST, with the catalog’s errors', async () => {
  const input = {
    name: 'REST weekly',
    request: { object: 'people', format: 'csv' },
    schedule: { frequency: 'weekly', weekday: 'friday', time: '17:30', timezone: 'America/New_York' },
    mode: 'changes',
    notify: { email: true },
  };
  const created = await call('createExportSchedule', { body: input });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.equal(created.headers.get('location'), `/api/v1/export-schedules/${id}`);
  assert.ok(created.body.nextRunAt);

  assert.equal((await call('getExportSchedule', { id, key: readerKey })).body.name, 'REST weekly');
  const listed = await call('listExportSchedules', { key: readerKey });
  assert.ok((listed.body.schedules ?? []).some((schedule) => schedule.id === id));

  const updated = await call('updateExportSchedule', { id, body: { name: 'REST daily' } });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.name, 'REST daily');

  const run = await call('runExportScheduleNow', { id });
  assert.equal(run.status, 200);
  assert.equal(run.body.scheduleId, id);
  const again = await call('runExportScheduleNow', { id });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'SCHEDULE_RUN_IN_PROGRESS');
  assert.equal(again.body.details?.export_id, run.body.id);

  assert.equal((await call('pauseExportSchedule', { id })).body.status, 'paused');
  assert.equal((await call('resumeExportSchedule', { id })).body.status, 'active');

  const forbidden = await call('createExportSchedule', { body: input, key: readerKey });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.code, 'FORBIDDEN');
  const invalid = await call('createExportSchedule', {
    body: { ...input, request: { object: 'people', format: 'csv', filter: { status: 'asleep' } } },
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.code, 'INVALID_FILTER');

  assert.deepEqual((await call('deleteExportSchedule', { id })).body, { id, deleted: true });
  const gone = await call('getExportSchedule', { id });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.code, 'NOT_FOUND');
});
