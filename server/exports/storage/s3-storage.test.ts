import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../../testing/test-app';
import { waitForExport } from '../../testing/wait-for-export';
import type { ExportStorage } from './export-storage';
import { localDiskStorage } from './local-disk-storage';
import { s3Storage } from './s3-storage';
import { listKeys, type S3TestServer, s3TestCredentials, startS3TestServer } from './testing/s3-test-server';

let s3: S3TestServer;
before(async () => {
  s3 = await startS3TestServer();
  // The app's driver takes the SDK's credential chain, as in production: here, its env variables.
  process.env.AWS_ACCESS_KEY_ID = s3TestCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3TestCredentials.secretAccessKey;
});
after(() => s3?.close());

function driver(prefix: string) {
  return s3Storage({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3TestCredentials,
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `total` bytes in 64 KB chunks, then an error instead of the end. */
function failingBody(bytesBeforeError: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytesBeforeError) {
        this.destroy(new Error('the writer failed'));
        return;
      }
      const chunk = randomBytes(Math.min(65_536, bytesBeforeError - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

describe('the S3 driver', () => {
  test('put records size and sha256 and stores the bytes as given, small and multipart', async () => {
    const storage = driver('round-trip');
    for (const size of [0, 1000, 12 * 1024 * 1024 + 17]) {
      const bytes = randomBytes(size);
      const stored = await storage.put(`w/e/attempt-1-${size}.bin`, Readable.from([bytes]));
      assert.deepEqual(stored, { size, sha256: sha256(bytes) });
      const file = await storage.get(`w/e/attempt-1-${size}.bin`);
      assert.ok(file);
      assert.equal(file.size, size);
      // Byte for byte: no checksum trailer or chunk signatures in the object.
      assert.ok((await readAll(file.body)).equals(bytes));
    }
    assert.deepEqual((await listKeys(storage.client, s3.bucket, 'round-trip/')).sort(), [
      'round-trip/w/e/attempt-1-0.bin',
      'round-trip/w/e/attempt-1-1000.bin',
      'round-trip/w/e/attempt-1-12582929.bin',
    ]);
  });

  test('a body that fails leaves no object, before or after the first multipart part', async () => {
    const storage = driver('aborted');
    for (const size of [100_000, 11 * 1024 * 1024]) {
      await assert.rejects(storage.put(`w/e/attempt-${size}.csv`, failingBody(size)), /the writer failed/);
      assert.equal(await storage.get(`w/e/attempt-${size}.csv`), undefined);
    }
    assert.deepEqual(await listKeys(storage.client, s3.bucket, 'aborted/'), []);
  });

  test('storage that refuses the upload fails the put (and stops reading the body) instead of hanging', async () => {
    const storage = s3Storage({
      bucket: 'no-such-bucket',
      prefix: '',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3TestCredentials,
    });
    for (const size of [1000, 40 * 1024 * 1024]) {
      const body = Readable.from(
        (function* () {
          for (let sent = 0; sent < size; sent += 65_536) yield randomBytes(Math.min(65_536, size - sent));
        })(),
      );
      await assert.rejects(storage.put('w/e/attempt-1.csv', body), { name: 'NoSuchBucket' });
      assert.ok(body.destroyed || body.readableEnded, `${size}: the body is left half-read`);
    }
  });

  test('get and downloadUrl of a missing key answer undefined; delete of one is a no-op', async () => {
    const storage = driver('missing');
    assert.equal(await storage.get('w/none.csv'), undefined);
    assert.equal(
      await storage.downloadUrl?.('w/none.csv', {
        contentType: 'text/csv',
        contentDisposition: 'attachment',
        expiresInSeconds: 60,
      }),
      undefined,
    );
    await storage.delete('w/none.csv');
  });

  test('a presigned URL serves the bytes with the given headers, and stops working when it expires', async () => {
    const storage = driver('presigned');
    const bytes = Buffer.from('id,name\n1,Ada\n');
    await storage.put('w/e/attempt-1.csv', Readable.from([bytes]));
    const link = {
      contentType: 'text/csv; charset=utf-8',
      contentDisposition: `attachment; filename="people.csv"; filename*=UTF-8''people.csv`,
      expiresInSeconds: 1,
    };
    const url = await storage.downloadUrl?.('w/e/attempt-1.csv', link);
    assert.ok(url);
    assert.match(url, /X-Amz-Expires=1&/);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-disposition'), link.contentDisposition);
    assert.equal(response.headers.get('content-type'), link.contentType);
    assert.equal(response.headers.get('cache-control'), 'private, no-store');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes));
    await sleep(2100);
    assert.equal((await fetch(url)).status, 403);
  });

  test('delete removes the object', async () => {
    const storage = driver('deleted');
    await storage.put('w/e/attempt-1.json', Readable.from([Buffer.from('[]')]));
    await storage.delete('w/e/attempt-1.json');
    assert.deepEqual(await listKeys(storage.client, s3.bucket, 'deleted/'), []);
  });
});

/** Writes every file to both S3 and local disk, so the test can compare what each one holds. */
function teeStorage(bucket: ExportStorage, disk: ExportStorage): ExportStorage {
  return {
    async put(key, body) {
      const toBucket = new PassThrough();
      const toDisk = new PassThrough();
      body.on('error', (error) => {
        toBucket.destroy(error);
        toDisk.destroy(error);
      });
      body.pipe(toBucket);
      body.pipe(toDisk);
      const [stored] = await Promise.all([bucket.put(key, toBucket), disk.put(key, toDisk)]);
      return stored;
    },
    get: (key) => bucket.get(key),
    async delete(key) {
      await Promise.all([bucket.delete(key), disk.delete(key)]);
    },
  };
}

describe('exports stored in S3', () => {
  let app: TestApp;
  const diskDir = mkdtempSync(path.join(tmpdir(), 'crm-s3-disk-'));
  before(async () => {
    const env = s3.env('app');
    app = await startTestApp({
      env,
      exports: {
        storage: teeStorage(
          s3Storage({
            bucket: s3.bucket,
            prefix: 'app',
            endpoint: s3.endpoint,
            region: 'us-east-1',
            forcePathStyle: true,
          }),
          localDiskStorage(diskDir),
        ),
      },
    });
  });
  after(() => app?.close());

  async function storageKeyOf(exportId: string): Promise<string> {
    const [row] = await app.database.query<{ storage_key: string }>(
      'select storage_key from exports where id = $1',
      [exportId],
    );
    assert.ok(row?.storage_key);
    return row.storage_key;
  }

  test('every format lands in the bucket and downloads through a redirect, byte-identical to local disk', async () => {
    const member = await app.loginAs('member@acme.test');
    for (const format of ['csv', 'xlsx', 'json', 'pdf'] as const) {
      const started = await member.startExport.mutate({ object: 'companies', format });
      const done = await waitForExport(member, started.id, ['completed', 'failed']);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      const key = await storageKeyOf(started.id);
      assert.ok((await listKeys(s3Client(), s3.bucket, 'app/')).includes(`app/${key}`));

      const { url } = await member.downloadExport.mutate({ exportId: started.id });
      const redirect = await fetch(url, { redirect: 'manual' });
      assert.equal(redirect.status, 302, format);
      assert.equal(redirect.headers.get('cache-control'), 'private, no-store');
      const location = new URL(redirect.headers.get('location') ?? '');
      assert.equal(location.origin, s3.endpoint);
      const expires = Number(location.searchParams.get('X-Amz-Expires'));
      assert.ok(expires > 0 && expires <= 60, `X-Amz-Expires=${expires}`);

      const file = await fetch(location);
      assert.equal(file.status, 200);
      const disposition = file.headers.get('content-disposition') ?? '';
      assert.match(disposition, new RegExp(`^attachment; filename="companies-[^"]+\\.${format}"`));
      const bytes = Buffer.from(await file.arrayBuffer());
      const onDisk = await readFile(path.join(diskDir, key));
      assert.ok(bytes.length > 0);
      assert.ok(bytes.equals(onDisk), `${format}: the bucket's bytes differ from local disk's`);
      const [recorded] = await app.database.query<{
        sha256: string;
        file_size: string;
        content_type: string;
      }>('select sha256, file_size, content_type from exports where id = $1', [started.id]);
      assert.equal(file.headers.get('content-type'), recorded?.content_type);
      assert.equal(recorded?.sha256, sha256(bytes));
      assert.equal(Number(recorded?.file_size), bytes.length);
    }
  });

  test('with S3_PRESIGN=false the app streams the object itself, with the same headers', async () => {
    const member = await app.loginAs('member@acme.test');
    const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
    await waitForExport(member, started.id, ['completed']);
    const presigning = app.services.env;
    app.services.env = { ...presigning, S3_PRESIGN: false };
    try {
      const { url } = await member.downloadExport.mutate({ exportId: started.id });
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="companies-/);
      assert.equal(response.headers.get('cache-control'), 'private, no-store');
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(bytes.equals(await readFile(path.join(diskDir, await storageKeyOf(started.id)))));
    } finally {
      app.services.env = presigning;
    }
  });

  test('expiry deletes the object, and the link then answers EXPORT_EXPIRED instead of redirecting', async () => {
    const member = await app.loginAs('member@acme.test');
    const started = await member.startExport.mutate({ object: 'companies', format: 'json' });
    await waitForExport(member, started.id, ['completed']);
    const key = await storageKeyOf(started.id);
    const { url } = await member.downloadExport.mutate({ exportId: started.id });
    await app.database.query(`update exports set expires_at = now() - interval '1 second' where id = $1`, [
      started.id,
    ]);
    assert.ok(((await app.exportEngine?.expireNow()) ?? 0) >= 1);
    assert.ok(!(await listKeys(s3Client(), s3.bucket, 'app/')).includes(`app/${key}`));
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 410);
    assert.equal(((await response.json()) as { code: string }).code, 'EXPORT_EXPIRED');
  });
});

function s3Client() {
  return driver('').client;
}
