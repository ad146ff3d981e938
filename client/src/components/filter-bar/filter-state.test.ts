import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type ObjectSlug, objectSlugs } from '../../../../shared/catalog';
import { validateFilter } from '../../../../shared/filters';
import {
  composeFilter,
  decomposeFilter,
  emptyFilterState,
  type FilterState,
  parseFilterState,
  selectAttributes,
  tagAttribute,
  writeSearch,
} from './filter-state';

const now = new Date('2026-11-24T10:00:00');
const tagPool = ['vip', 'beta', 'churn-risk', 'référence', 'hot lead'];
const day = fc
  .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

/** Any state a person can reach with the bar's controls (and a simple advanced filter). */
function barState(object: ObjectSlug): fc.Arbitrary<FilterState> {
  const selects = fc.record(
    Object.fromEntries(
      selectAttributes(object).map((attribute) => [
        attribute.slug,
        fc.subarray([...(attribute.options ?? [])], { minLength: 0 }),
      ]),
    ),
  );
  return fc
    .record({
      selects,
      tags: tagAttribute(object) ? fc.subarray(tagPool) : fc.constant<string[]>([]),
      tagsMode: fc.constantFrom('any' as const, 'all' as const),
      date: fc.constantFrom(
        null,
        '7d' as const,
        '30d' as const,
        '90d' as const,
        'year' as const,
        'custom' as const,
      ),
      range: fc.tuple(day, day).map(([a, b]): [string, string] => (a <= b ? [a, b] : [b, a])),
      q: fc.constantFrom('', 'ada', "o'brien", '50%_off'),
      advanced: fc.constantFrom('', '{"created_at":{"$not_empty":true}}'),
    })
    .map(({ selects: chosen, range, ...rest }) => ({
      ...emptyFilterState(),
      ...rest,
      selects: Object.fromEntries(Object.entries(chosen).filter(([, values]) => values.length > 0)),
      from: rest.date === 'custom' ? range[0] : '',
      to: rest.date === 'custom' ? range[1] : '',
    }));
}

describe('the filter bar state', () => {
  for (const object of objectSlugs) {
    test(`${object}: every state composes to a filter the server accepts`, () => {
      fc.assert(
        fc.property(barState(object), (state) => {
          const composed = composeFilter(object, state, now);
          assert.equal(composed.advancedError, null);
          if (composed.filter)
            assert.equal(validateFilter(object, composed.filter).ok, true, JSON.stringify(composed.filter));
        }),
        { numRuns: 150, seed: 20261124 },
      );
    });

    test(`${object}: a saved filter read back into the bar composes to the same filter (nothing is lost)`, () => {
      fc.assert(
        fc.property(barState(object), (state) => {
          const filter = composeFilter(object, state, now).filter ?? {};
          const again = composeFilter(object, decomposeFilter(object, filter, now), now).filter ?? {};
          assert.deepEqual(again, filter);
        }),
        { numRuns: 150, seed: 20261124 },
      );
    });

    test(`${object}: the URL carries the whole state`, () => {
      fc.assert(
        fc.property(barState(object), (state) => {
          const reloaded = parseFilterState(
            object,
            new URLSearchParams(writeSearch(object, state).toString()),
          );
          assert.deepEqual(composeFilter(object, reloaded, now), composeFilter(object, state, now));
        }),
        { numRuns: 150, seed: 20261124 },
      );
    });
  }

  test('the controls mean what they say: any/all tags, chosen options, whole custom days, search', () => {
    const state: FilterState = {
      ...emptyFilterState(),
      selects: { status: ['active', 'customer'] },
      tags: ['vip', 'beta'],
      tagsMode: 'all',
      date: 'custom',
      from: '2026-01-01',
      to: '2026-01-31',
      q: 'ada',
    };
    const parts = (composeFilter('people', state, now).filter?.$and ?? []) as Record<string, unknown>[];
    assert.deepEqual(parts[0], { status: { $in: ['active', 'customer'] } });
    assert.deepEqual(parts[1], { tags: { $all: ['vip', 'beta'] } });
    assert.deepEqual(parts[2], {
      $or: [
        { first_name: { $contains: 'ada' } },
        { last_name: { $contains: 'ada' } },
        { email: { $contains: 'ada' } },
      ],
    });
    assert.deepEqual(parts[3], {
      created_at: {
        $gte: new Date(2026, 0, 1).toISOString(),
        $lt: new Date(2026, 1, 1).toISOString(),
      },
    });
    const anyTags = composeFilter('people', { ...emptyFilterState(), tags: ['vip'] }, now).filter;
    assert.deepEqual(anyTags, { tags: { $in: ['vip'] } });
    assert.equal(decomposeFilter('people', { tags: { $all: ['vip', 'beta'] } }, now).tagsMode, 'all');
  });

  test('a saved filter the controls cannot show stays whole in the advanced editor', () => {
    const saved = { $or: [{ status: 'lead' }, { 'company.industry': 'Software' }] };
    const state = decomposeFilter('people', saved, now);
    assert.deepEqual(JSON.parse(state.advanced), saved);
    assert.deepEqual(composeFilter('people', state, now).filter, saved);
  });

  test('an advanced filter that is not JSON is reported, not sent', () => {
    const composed = composeFilter('people', { ...emptyFilterState(), advanced: '{"status": ' }, now);
    assert.match(composed.advancedError ?? '', /Not valid JSON/);
    assert.equal(composed.filter, undefined);
  });
});
