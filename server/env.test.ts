import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EnvError, loadEnv, ttlToMs } from './env';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'crm-env-'));

test('defaults: port 3000, Attio rate limits, exports under DATA_DIR, 7-day TTL', () => {
  const dataDir = tempDir();
  const env = loadEnv({ DATA_DIR: dataDir });
  assert.equal(env.PORT, 3000);
  assert.equal(env.RATE_LIMIT_READS_PER_SECOND, 100);
  assert.equal(env.RATE_LIMIT_WRITES_PER_SECOND, 25);
  assert.equal(env.EXPORT_DIR, path.join(dataDir, 'exports'));
  assert.equal(ttlToMs(env.EXPORT_TTL), 7 * 86_400_000);
  assert.equal(env.DATABASE_URL, undefined);
});

test('APP_SECRET is generated once and kept under DATA_DIR', () => {
  const dataDir = tempDir();
  const first = loadEnv({ DATA_DIR: dataDir }).APP_SECRET;
  assert.equal(first.length, 64);
  assert.equal(readFileSync(path.join(dataDir, 'app-secret'), 'utf8'), first);
  assert.equal(loadEnv({ DATA_DIR: dataDir }).APP_SECRET, first);
});

test('a bad value names the variable and why', () => {
  assert.throws(
    () =>
      loadEnv({
        DATA_DIR: tempDir(),
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        RATE_LIMIT_READS_PER_SECOND: '0',
      }),
    (error: unknown) =>
      error instanceof EnvError &&
      /PORT/.test(error.message) &&
      /DATABASE_URL: must be a postgres/.test(error.message) &&
      /RATE_LIMIT_READS_PER_SECOND/.test(error.message),
  );
});

test('the server refuses to boot on a bad value, saying which', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATA_DIR: tempDir(), EXPORT_TTL: 'forever', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /EXPORT_TTL: must look like 7d/);
});
