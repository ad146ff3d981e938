import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../testing/test-app';
import { startExportEngine } from './export-engine';
import { claimNextExport, failExhaustedExports } from './export-queue';
import { storageKeyOf } from './run-export';

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

test('a worker failing an exhausted export deletes the files its attempts left (killed after storing one)', async () => {
  const id = await abandonedExport(3);
  const [row] = await app.database.query<{ workspace_id: string }>(
    'select workspace_id from exports where id = $1',
    [id],
  );
  assert.ok(row);
  const file = path.join(app.services.env.EXPORT_DIR, storageKeyOf(row.workspace_id, id, 3, 'csv'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, 'name\nAcme\n');

  const engine = await startExportEngine(app.services, { workers: true, pollingIntervalSeconds: 0.5 });
  try {
    for (let waited = 0; waited < 200; waited++) {
      const [status] = await app.database.query<{ status: string }>(
        'select status from exports where id = $1',
        [id],
      );
      if (status?.status === 'failed' && !existsSync(file)) break;
      await sleep(50);
    }
  } finally {
    await engine.stop();
  }
  const [status] = await app.database.query<{ status: string }>('select status from exports where id = $1', [
    id,
  ]);
  assert.equal(status?.status, 'failed');
  assert.equal(existsSync(file), false, "the last attempt's file is left behind");
});
