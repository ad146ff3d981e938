import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { sessionCookieName } from '../auth/identity';
import { type CrmClient, createClient } from '../sdk';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import type { ExportStorage } from './storage';
import { localDiskStorage } from './storage/local-disk-storage';
import { writerFactories } from './writers';

interface LogLine {
  level: number;
  msg: string;
  export_id?: string;
  code?: string;
  err?: { message: string; code?: string };
}

/**
 * What happens to an export when a part under it fails: each must end `failed` with a structured
 * error (and a log line with the cause), never stay `running`.
 */
describe('an export whose storage, writer or progress fails', () => {
  const logged: LogLine[] = [];
  let app: TestApp;
  let member: CrmClient;
  const requestIds: string[] = [];
  // EXPORT_DIR is a file: the storage cannot create a folder under it (as an unwritable folder would).
  const exportDir = path.join(tmpdir(), `crm-export-dir-is-a-file-${process.pid}`);
  writeFileSync(exportDir, 'not a folder');
  let storage: ExportStorage = localDiskStorage(exportDir);
  const switchable: ExportStorage = {
    put: (key, body) => storage.put(key, body),
    get: (key) => storage.get(key),
    delete: (key) => storage.delete(key),
  };

  before(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    app = await startTestApp({
      logger,
      exports: { storage: switchable },
      env: {
        EXPORT_DIR: exportDir,
        EXPORT_BATCH_SIZE: '100',
        EXPORT_STALL_SECONDS: '2',
        RATE_LIMIT_READS_PER_SECOND: '1000',
        RATE_LIMIT_WRITES_PER_SECOND: '1000',
      },
    });
    const cookie = await app.sessionCookieFor('member@acme.test');
    assert.ok(cookie.startsWith(`${sessionCookieName}=`));
    member = createClient({
      url: app.url,
      headers: { Cookie: cookie },
      // The request id the server gave each call, as a client reporting a problem would read it.
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        requestIds.push(response.headers.get('x-request-id') ?? '');
        return response;
      },
    });
  });
  after(() => app?.close());

  test('EXPORT_DIR unwritable: failed with EXPORT_STORAGE_ERROR, its request id stored, the cause logged', async () => {
    storage = localDiskStorage(exportDir);
    const started = await member.startExport.mutate({ object: 'people', format: 'csv' });
    const startRequestId = requestIds.at(-1);
    assert.ok(startRequestId);
    const done = await waitForExport(member, started.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'EXPORT_STORAGE_ERROR');
    assert.equal(done.error?.message, 'The export file could not be stored');
    assert.equal(done.requestId, startRequestId, 'the id of the startExport call');
    assert.equal(done.queuePosition, null);
    const line = logged.find((entry) => entry.export_id === started.id && entry.msg === 'export failed');
    assert.ok(line, 'a log line for the failure');
    assert.equal(line.code, 'EXPORT_STORAGE_ERROR');
    assert.equal(line.err?.code, 'ENOTDIR', 'the log line carries the cause');
  });

  test('storage that never reads the file: the watchdog fails it with EXPORT_STALLED', async () => {
    storage = {
      ...localDiskStorage(exportDir),
      put: (_key: string, _body: Readable) => new Promise(() => {}),
      delete: async () => {},
    };
    try {
      const started = await member.startExport.mutate({ object: 'people', format: 'csv' });
      const done = await waitForExport(member, started.id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'EXPORT_STALLED');
      assert.deepEqual(done.error?.details, { stalled_seconds: 2, processed_rows: done.processedRows });
      assert.ok(
        logged.some((entry) => entry.export_id === started.id && entry.code === 'EXPORT_STALLED'),
        'logged',
      );
    } finally {
      storage = localDiskStorage(exportDir);
    }
  });

  test('a writer that throws: failed with a structured error, the cause logged', async () => {
    const csv = writerFactories.csv;
    writerFactories.csv = (out, options) => {
      const writer = csv(out, options);
      const broken = async () => {
        throw new Error('the writer broke');
      };
      // Whichever path the rows take: records into writeRows, or the database's CSV into formatted.write.
      return {
        ...writer,
        writeRows: broken,
        ...(writer.formatted ? { formatted: { ...writer.formatted, write: broken } } : {}),
      };
    };
    storage = {
      ...localDiskStorage(exportDir),
      // Reads and discards the body: only the writer fails here.
      put: async (_key, body) => {
        for await (const _chunk of body);
        return { size: 0, sha256: '' };
      },
      delete: async () => {},
    };
    try {
      const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
      const done = await waitForExport(member, started.id);
      assert.equal(done.status, 'failed');
      assert.deepEqual(done.error, {
        code: 'INTERNAL_SERVER_ERROR',
        message: 'The export failed unexpectedly',
      });
      const line = logged.find((entry) => entry.export_id === started.id && entry.msg === 'export failed');
      assert.equal(line?.err?.message, 'the writer broke');
    } finally {
      writerFactories.csv = csv;
      storage = localDiskStorage(exportDir);
    }
  });
});

describe('the database connection of a running export is killed', {
  skip: process.env.DATABASE_URL ? false : 'needs Postgres (DATABASE_URL): PGlite has no connection to kill',
}, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      exports: true,
      env: {
        EXPORT_BATCH_SIZE: '100',
        EXPORT_THROTTLE_MS: '20',
        RATE_LIMIT_READS_PER_SECOND: '1000',
        RATE_LIMIT_WRITES_PER_SECOND: '1000',
      },
    });
  });
  after(() => app?.close());

  test('pg_terminate_backend on the export read: retried from scratch and completed, with every row once', async () => {
    const member = await app.loginAs('member@acme.test');
    const started = await member.startExport.mutate({
      object: 'people',
      format: 'json',
      options: { jsonLines: true },
    });
    for (;;) {
      const status = await waitForExport(member, started.id, ['running', 'completed', 'failed']);
      assert.equal(status.status, 'running', 'the export is slow enough to be caught running');
      if (status.processedRows >= 200) break;
      await sleep(20);
    }
    const killed = await app.database.query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
       where application_name = 'crm-export-read' and datname = current_database()`,
    );
    assert.deepEqual(
      killed.map((row) => row.killed),
      [true],
      "the export's read connection was killed",
    );
    const done = await waitForExport(member, started.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const { total } = await member.people.count.query({});
    assert.equal(done.processedRows, total);
    const [row] = await app.database.query<{ attempts: number }>(
      'select attempts from exports where id = $1',
      [started.id],
    );
    assert.equal(row?.attempts, 2, 'a second attempt');
    const link = await member.downloadExport.mutate({ exportId: started.id });
    const ids = (await (await fetch(link.url)).text())
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total, 'no row twice');
  });
});

describe('SMTP and webhook receivers down', () => {
  let app: TestApp;
  let smtpPort = 0;
  let hookPort = 0;
  const mails: string[] = [];
  const hooks: string[] = [];
  let smtp: SMTPServer | undefined;
  let hookServer: http.Server | undefined;

  /** A port nothing listens on (yet). */
  async function freePort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  before(async () => {
    smtpPort = await freePort();
    hookPort = await freePort();
    app = await startTestApp({
      exports: true,
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        RATE_LIMIT_READS_PER_SECOND: '1000',
        RATE_LIMIT_WRITES_PER_SECOND: '1000',
      },
    });
  });
  after(async () => {
    await app?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (hookServer ? hookServer.close(() => resolve()) : resolve()));
  });

  test('the export completes; the email and the webhook fail, are retried, and arrive once the receivers are back', async () => {
    const member = await app.loginAs('member@acme.test');
    const started = await member.startExport.mutate({
      object: 'companies',
      format: 'csv',
      notify: { email: true, webhookUrl: `http://127.0.0.1:${hookPort}/hook` },
    });
    const done = await waitForExport(member, started.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));

    // Both deliveries failed once and wait for their retry.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const jobs = await app.database.query<{ name: string; state: string }>(
        `select name, state from pgboss.job
         where name in ('export-email', 'export-webhook') and data ->> 'exportId' = $1 order by name`,
        [started.id],
      );
      if (jobs.length === 2 && jobs.every((job) => job.state === 'retry')) break;
      assert.ok(Date.now() < deadline, `deliveries never failed: ${JSON.stringify(jobs)}`);
      await sleep(100);
    }
    assert.equal((await member.exportStatus.query({ exportId: started.id })).status, 'completed');

    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp?.listen(smtpPort, '127.0.0.1', resolve));
    hookServer = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        hooks.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hookServer?.listen(hookPort, '127.0.0.1', resolve));

    while (
      !(mails.some((mail) => mail.includes(started.id)) && hooks.some((hook) => hook.includes(started.id)))
    ) {
      assert.ok(
        Date.now() < deadline + 60_000,
        `not delivered: ${mails.length} mails, ${hooks.length} hooks`,
      );
      await sleep(200);
    }
  });
});
