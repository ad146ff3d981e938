import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { catalog, objectSlugs } from '../../shared/catalog';
import { validateFilter } from '../../shared/filters';
import { renderFilterReference } from './filter-reference';

test('docs/filters.md is what the catalog generates (run `npm run docs:filters` after changing the catalog)', () => {
  const committed = readFileSync(new URL('../../docs/filters.md', import.meta.url), 'utf8');
  assert.equal(committed, renderFilterReference());
});

test('every attribute of every object is documented, and the examples in the reference are valid filters', () => {
  const reference = renderFilterReference();
  for (const object of objectSlugs) {
    for (const attribute of catalog[object].attributes)
      assert.ok(reference.includes(`| \`${attribute.slug}\` | ${attribute.label} |`));
  }
  const examples = reference
    .split('```jsonc\n')[1]
    ?.split('```')[0]
    ?.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line.replace(/\s+\/\/.*$/, '')) as unknown);
  assert.ok(examples && examples.length >= 6);
  for (const example of examples)
    assert.equal(validateFilter('people', example).ok, true, JSON.stringify(example));
});
