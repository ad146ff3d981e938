import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmeWithConfiguration } from './config-docs';
import { envSchema } from './env';

test("README's configuration table is what server/env.ts generates (run `npm run docs:config`)", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.equal(readme, readmeWithConfiguration(readme));
  for (const name of Object.keys(envSchema.shape)) assert.match(readme, new RegExp(`\\| \`${name}\` \\|`));
});
