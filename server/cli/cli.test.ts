import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { apiKeys } from '../../drizzle/schema';
import { sha256 } from '../auth/identity';
import { openDatabase } from '../db/database';

function run(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `${script} failed: ${result.stderr}`);
  return result.stdout;
}

test('npm run seed, then npm run api-key prints a working key alone on the last line', {
  skip: process.env.DATABASE_URL ? 'exercised on PGlite only: it writes to DATA_DIR' : false,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-cli-'));
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
  assert.match(run('server/cli/seed.ts', [], env), /Demo workspaces created: acme, globex/);
  assert.match(run('server/cli/seed.ts', [], env), /already present/, 'the seed is idempotent');
  const output = run(
    'server/cli/api-key.ts',
    ['--email', 'admin@acme.test', '--scopes', 'records:read,exports:write'],
    env,
  );
  const key = output.trim().split('\n').at(-1) ?? '';
  assert.match(key, /^crm_[0-9a-f]{8}_[\w-]+$/);
  const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pglite') });
  try {
    const [stored] = await database.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, sha256(key)));
    assert.deepEqual(stored?.scopes, ['records:read', 'exports:write']);
    assert.equal(JSON.stringify(stored).includes(key), false, 'only the hash is stored');
  } finally {
    await database.close();
  }
});
