import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { apiKeys } from '../../drizzle/schema';
import { sha256 } from '../auth/identity';
import { openDatabase } from '../db/database';
import { DatabaseInUseError } from '../db/pglite-lock';

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

test("a PGlite directory is one process's: npm run api-key against one in use exits 1 at once, saying what to do", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-cli-lock-'));
  const pgliteDir = path.join(dataDir, 'pglite');
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
  const args = ['--import', 'tsx', 'server/cli/api-key.ts', '--email', 'admin@acme.test'];
  // This test process plays the running server: it holds the directory open.
  const server = await openDatabase({ pgliteDir });
  try {
    const refused = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /The PGlite database in .*pglite is in use by another process/);
    assert.match(refused.stderr, /apiKeys\.create/);
    assert.doesNotMatch(refused.stdout, /crm_/, 'no key was printed');
    // A second open in the same process is refused too; an in-memory database needs no lock.
    await assert.rejects(openDatabase({ pgliteDir }), DatabaseInUseError);
    const memory = await openDatabase({});
    await memory.close();
  } finally {
    await server.close();
  }
  assert.equal(existsSync(`${pgliteDir}.lock`), false, 'close releases the lock');
  // Released, the directory opens again; a process that exits without closing releases it too.
  const exited = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { openDatabase } from './server/db/database.ts'; await openDatabase({ pgliteDir: ${JSON.stringify(pgliteDir)} }); process.exit(0);`,
    ],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(exited.status, 0, exited.stderr);
  assert.equal(existsSync(`${pgliteDir}.lock`), false, 'exiting releases the lock');
  // A process killed outright leaves its lock behind; the next one waits for it to turn stale, then opens.
  const killed = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { openDatabase } from './server/db/database.ts'; await openDatabase({ pgliteDir: ${JSON.stringify(pgliteDir)} }); process.kill(process.pid, 'SIGKILL');`,
    ],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.equal(existsSync(`${pgliteDir}.lock`), true, 'a killed process cannot clean up');
  const reopened = await openDatabase({ pgliteDir });
  await reopened.close();
});
