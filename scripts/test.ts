/**
 * `npm test`: every *.test.ts under server/, shared/ and client/ through Node's test runner.
 * Node 20's runner takes no globs, so the files are listed here. Extra arguments are passed on
 * (e.g. `npm test -- --test-name-pattern=filter`); file paths given narrow the run to those files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const args = process.argv.slice(2);
const named = args.filter((arg) => arg.endsWith('.test.ts'));
const flags = args.filter((arg) => !arg.endsWith('.test.ts'));
const files = named.length ? named : ['server', 'shared', 'client'].flatMap(testFiles).sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...flags, ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  },
);
process.exit(result.status ?? 1);
