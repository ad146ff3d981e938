import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';

interface LogLine {
  level: number;
  msg: string;
  export_id?: string;
}

const logged: LogLine[] = [];
let app: TestApp;
before(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  app = await startTestApp({ logger, exports: true });
});
after(() => app?.close());

/** Starts a download, reads its first chunk, and hangs up. */
function downloadAndHangUp(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      response.once('data', () => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

test('a browser that hangs up mid-download is logged as an aborted download, not as a server error', async () => {
  const member = await app.loginAs('member@acme.test');
  const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
  await waitForExport(member, started.id, ['completed']);
  // A file far larger than the socket buffers, so the server is still sending when the client leaves.
  const [row] = await app.database.query<{ storage_key: string }>(
    'select storage_key from exports where id = $1',
    [started.id],
  );
  assert.ok(row);
  await writeFile(
    path.resolve(app.services.env.EXPORT_DIR, row.storage_key),
    Buffer.alloc(64 * 1024 * 1024, 'a'),
  );

  const { url } = await member.downloadExport.mutate({ exportId: started.id });
  assert.equal(await downloadAndHangUp(url), 200);
  const deadline = Date.now() + 10_000;
  while (!logged.some((line) => line.msg === 'download aborted by the client') && Date.now() < deadline)
    await sleep(50);
  const aborted = logged.find((line) => line.msg === 'download aborted by the client');
  assert.equal(aborted?.export_id, started.id);
  assert.deepEqual(
    logged.filter((line) => line.level >= 50),
    [],
  );
});
