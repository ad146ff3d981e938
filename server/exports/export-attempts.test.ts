import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../testing/test-app';
import { claimNextExport, failExhaustedExports } from './export-queue';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

/** A queued export made to look abandoned: running, started `attempts` times, its worker silent for an hour. */
async function abandonedExport(attempts: number): Promise<string> {
  const member = await app.loginAs('member@acme.test');
  const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
  await app.database.query(
    `update exports set status = 'running', attempts = $2, updated_at = now() - interval '1 hour' where id = $1`,
    [started.id, attempts],
  );
  return started.id;
}

test('an abandoned export that has used its attempts fails; with EXPORT_MAX_ATTEMPTS higher it is taken over', async () => {
  const exhausted = await abandonedExport(3);
  assert.deepEqual(await failExhaustedExports(app.database, 30), [exhausted]);
  const [failed] = await app.database.query<{ status: string; error: { message: string } }>(
    'select status, error from exports where id = $1',
    [exhausted],
  );
  assert.equal(failed?.status, 'failed');
  assert.equal(failed?.error.message, 'The export was started 3 times and never finished');

  const patient = await abandonedExport(3);
  assert.deepEqual(await failExhaustedExports(app.database, 30, 5), []);
  const claimed = await claimNextExport(app.database, { leaseSeconds: 30, concurrencyPerWorkspace: 2 });
  assert.equal(claimed?.id, patient);
  assert.equal(claimed?.attempts, 4);
});
