import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalog, errorCodes } from '../../shared/errors';
import { renderErrorReference } from './error-reference';

test('docs/errors.md is what the catalog generates (run `npm run docs:errors` after changing shared/errors.ts)', () => {
  const committed = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(committed, renderErrorReference());
});

test('every catalog code is documented with its status and type', () => {
  const reference = renderErrorReference();
  for (const code of errorCodes) {
    assert.match(
      reference,
      new RegExp(`### ${code}\\n\\n\`${errorCatalog[code].status}\` · \`${errorCatalog[code].type}\``),
    );
  }
});
