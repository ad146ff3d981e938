import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DatabaseInUseError, lockPgliteDirectory } from './pglite-lock';

test('a lock left without its owner file (killed while taking it) is taken over once it is not brand new', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'crm-lock-')), 'pglite');
  mkdirSync(`${dir}.lock`);
  // Just taken by someone who is writing its owner file this instant: theirs.
  await assert.rejects(lockPgliteDirectory(dir), DatabaseInUseError);
  // Left like that for a minute: its taker died in between.
  const aMinuteAgo = new Date(Date.now() - 60_000);
  utimesSync(`${dir}.lock`, aMinuteAgo, aMinuteAgo);
  const release = await lockPgliteDirectory(dir);
  await release();
});
