import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';

let app: TestApp;
before(async () => {
  // No export engine: the exports stay queued, which is all the history's filters need.
  app = await startTestApp({
    env: { RATE_LIMIT_READS_PER_SECOND: '1000', RATE_LIMIT_WRITES_PER_SECOND: '1000' },
  });
});
after(() => app?.close());

test("listExports narrows the history by object, format, status and the requester's name or email", async () => {
  const admin = await app.loginAs('admin@acme.test');
  const member = await app.loginAs('member@acme.test');
  const peopleCsv = await member.startExport.mutate({ object: 'people', format: 'csv' });
  const companiesJson = await member.startExport.mutate({ object: 'companies', format: 'json' });
  const adminPeopleXlsx = await admin.startExport.mutate({ object: 'people', format: 'xlsx' });
  await app.database.query(`update exports set status = 'failed' where id = $1`, [companiesJson.id]);
  const ids = async (input: Parameters<typeof admin.listExports.query>[0]) =>
    (await admin.listExports.query({ limit: 100, ...input })).exports.map((summary) => summary.id).sort();

  assert.deepEqual(await ids({ object: 'people' }), [peopleCsv.id, adminPeopleXlsx.id].sort());
  assert.deepEqual(await ids({ format: 'json' }), [companiesJson.id]);
  assert.deepEqual(await ids({ status: 'failed' }), [companiesJson.id]);
  assert.deepEqual(await ids({ requestedBy: 'MEMBER@acme' }), [peopleCsv.id, companiesJson.id].sort());
  assert.deepEqual(await ids({ object: 'people', requestedBy: 'admin' }), [adminPeopleXlsx.id]);
  // LIKE's wildcards are literal: '%' matches nobody's name.
  assert.deepEqual(await ids({ requestedBy: '%' }), []);
  // A member still sees only their own, whatever the filter asks.
  const memberIds = (await member.listExports.query({ object: 'people', limit: 100 })).exports.map(
    (summary) => summary.id,
  );
  assert.deepEqual(memberIds, [peopleCsv.id]);
  assert.equal(
    (await rejection(admin.listExports.query({ status: 'done' as 'failed' }))).data?.code,
    'VALIDATION_ERROR',
  );
});
