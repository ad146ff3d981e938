import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { objectSlugs } from './catalog';
import { andFilterNodes, andFilters, describeFilter, filterToJson, validateFilter } from './filters';

function problemOf(object: (typeof objectSlugs)[number], filter: unknown) {
  const result = validateFilter(object, filter);
  assert.equal(result.ok, false, `expected ${JSON.stringify(filter)} to be refused`);
  return result.ok ? undefined : result.problem;
}

describe('filter language: validation against the catalog', () => {
  test('shorthand, verbose, logic, paths and tags normalize to one tree', () => {
    const result = validateFilter('people', {
      status: 'active',
      created_at: { $gte: '2026-01-01T00:00:00+02:00', $lt: '2026-02-01' },
      $or: [{ tags: 'vip' }, { tags: { $all: ['beta', 'trial'] } }, { 'company.industry': 'Software' }],
      $not: { platform: { $in: ['email', 'email', 'sms'.replace('sms', 'twitter')] } },
    });
    assert.ok(result.ok);
    assert.deepEqual(filterToJson(result.filter), {
      $and: [
        { status: { $eq: 'active' } },
        { created_at: { $gte: '2025-12-31T22:00:00.000Z' } },
        { created_at: { $lt: '2026-02-01T00:00:00.000Z' } },
        {
          $or: [
            { tags: { $eq: 'vip' } },
            { tags: { $all: ['beta', 'trial'] } },
            { 'company.industry': { $eq: 'Software' } },
          ],
        },
        { $not: { platform: { $in: ['email', 'twitter'] } } },
      ],
    });
    assert.equal(
      describeFilter(result.filter),
      'Status is "active" and Created at is on or after 2025-12-31 22:00 UTC and Created at is before 2026-02-01 and (Tags has "vip" or Tags has all of "beta", "trial" or Company › Industry is "Software") and not (Platform is one of "email", "twitter")',
    );
  });

  test('the documented example: an operator a type does not support', () => {
    assert.deepEqual(problemOf('people', { $and: [{ tags: 'vip' }, { status: { $gt: 'lead' } }] }), {
      field: 'filter',
      path: '$and[1].status.$gt',
      reason: "Operator $gt is not supported for select attribute 'status'",
    });
  });

  const refused: [string, (typeof objectSlugs)[number], unknown, string, RegExp][] = [
    ['unknown attribute', 'people', { shoe_size: 42 }, 'shoe_size', /Unknown attribute 'shoe_size'/],
    ['unknown option', 'people', { status: 'vip' }, 'status', /Unknown option 'vip'/],
    [
      'wrong value type',
      'companies',
      { employee_count: { $gt: '10' } },
      'employee_count.$gt',
      /Expected a number/,
    ],
    ['bad date', 'companies', { founded_on: '2026-02-30' }, 'founded_on', /not an ISO date/],
    [
      'timestamp without zone',
      'people',
      { created_at: { $gte: '2026-01-01T10:00' } },
      'created_at.$gte',
      /zone/,
    ],
    ['unknown operator', 'people', { email: { $like: '%a' } }, 'email.$like', /Unknown operator \$like/],
    ['unknown logical operator', 'people', { $nor: [] }, '$nor', /Unknown logical operator/],
    ['$or of nothing', 'people', { $or: [] }, '$or', /at least one/],
    ['$in of nothing', 'people', { status: { $in: [] } }, 'status.$in', /at least one/],
    ['path through a non-reference', 'people', { 'status.x': 'a' }, 'status.x', /not a reference/],
    [
      'unknown path leaf',
      'people',
      { 'company.shoe': 'a' },
      'company.shoe',
      /Unknown attribute 'shoe' on companies/,
    ],
    [
      'two hops',
      'activities',
      { 'conversation.person.email': 'a' },
      'conversation.person.email',
      /one reference/,
    ],
    ['reference not an id', 'people', { company: 'Acme' }, 'company', /not a record id/],
    ['array shorthand', 'people', { tags: ['a', 'b'] }, 'tags', /\$in/],
    ['null shorthand', 'people', { platform: null }, 'platform', /\$not_empty/],
    [
      '$not_empty non-boolean',
      'people',
      { phone: { $not_empty: 'yes' } },
      'phone.$not_empty',
      /true or false/,
    ],
    ['NUL in a value', 'people', { email: 'a\u0000b' }, 'email', /NUL/],
    [
      'nested object without $',
      'people',
      { company: { industry: 'x' } },
      'company.industry',
      /company\.industry/,
    ],
    ['not an object', 'people', [{ status: 'lead' }], '', /JSON object/],
    ['$all on a select', 'people', { status: { $all: ['lead'] } }, 'status.$all', /not supported/],
    [
      '$contains on a number',
      'companies',
      { employee_count: { $contains: 1 } },
      'employee_count.$contains',
      /not supported/,
    ],
    [
      'actor path leaf',
      'activities',
      { 'actor.password_hash': 'x' },
      'actor.password_hash',
      /Unknown attribute/,
    ],
  ];
  for (const [name, object, filter, path, reason] of refused) {
    test(`refused: ${name}`, () => {
      const problem = problemOf(object, filter);
      assert.equal(problem?.field, 'filter');
      assert.equal(problem?.path, path);
      assert.match(problem?.reason ?? '', reason);
    });
  }

  test('depth is capped at 8', () => {
    let filter: Record<string, unknown> = { status: 'lead' };
    for (let level = 0; level < 8; level++) filter = { $not: filter };
    assert.ok(validateFilter('people', filter).ok);
    const problem = problemOf('people', { $and: [filter] });
    assert.match(problem?.reason ?? '', /deeper than 8/);
  });

  test('timestamps and dates normalize; microseconds survive', () => {
    const result = validateFilter('people', { created_at: { $gt: '2026-03-01T10:00:00.123456-05:30' } });
    assert.ok(result.ok && result.filter.kind === 'condition');
    assert.equal(result.filter.value, '2026-03-01T15:30:00.123456Z');
    assert.ok(!validateFilter('companies', { founded_on: '0000-01-01' }).ok);
    assert.ok(validateFilter('companies', { founded_on: '2024-02-29' }).ok);
    assert.ok(!validateFilter('companies', { founded_on: '2023-02-29' }).ok);
  });

  test('andFilters splices $and-only filters and drops empty ones; andFilterNodes flattens', () => {
    assert.deepEqual(andFilters(undefined, {}, { status: 'lead' }), { status: 'lead' });
    assert.deepEqual(andFilters({ $and: [{ a: 1 }, { b: 2 }] }, { c: 3 }), {
      $and: [{ a: 1 }, { b: 2 }, { c: 3 }],
    });
    const a = validateFilter('people', { status: 'lead', tags: 'vip' });
    const b = validateFilter('people', {});
    assert.ok(a.ok && b.ok);
    const combined = andFilterNodes(a.filter, b.filter);
    assert.equal(combined.kind, 'and');
    assert.equal(combined.kind === 'and' ? combined.children.length : 0, 2);
    assert.equal(describeFilter(b.filter), 'All records');
  });
});

/** Any JSON value at all. */
const junk = fc.jsonValue({ maxDepth: 6 });
/** Strings that look like the language: keys and operators the validator knows, and some it does not. */
const wordish = fc.constantFrom(
  'status',
  'tags',
  'company',
  'company.industry',
  'company.name',
  'person.email',
  'actor.email',
  'created_at',
  'founded_on',
  'employee_count',
  'email',
  '$and',
  '$or',
  '$not',
  '$eq',
  '$in',
  '$all',
  '$not_empty',
  '$contains',
  '$gt',
  '$lte',
  '$starts_with',
  '__proto__',
  'constructor',
  '',
  '.',
  'lead',
  'vip',
  '2026-01-01',
  '2026-13-01T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
);
const languageLike: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(wordish, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string()),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(wordish, tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('filter language: junk never escapes as anything but a problem', () => {
  test('5,000 random JSON values: validateFilter never throws and every problem points somewhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(...objectSlugs), fc.oneof(junk, languageLike), (object, filter) => {
        const result = validateFilter(object, filter);
        if (!result.ok) {
          assert.equal(result.problem.field, 'filter');
          assert.equal(typeof result.problem.path, 'string');
          assert.ok(result.problem.reason.length > 0);
        } else {
          describeFilter(result.filter);
          // A valid filter is still valid in its normalized JSON form.
          assert.ok(validateFilter(object, filterToJson(result.filter)).ok);
        }
      }),
      { numRuns: 5000, seed: 20261120 },
    );
  });
});
