/**
 * The differential property test of the filter language: random valid filters, generated from the
 * catalog, run through the SQL compiler, must select exactly the records that a plain evaluator of the
 * filter JSON (written here from the language's documented semantics, sharing no code with the
 * compiler or the validator) selects over the same small dataset — two workspaces, NULLs, empty
 * strings, LIKE metacharacters, quotes, tags that differ by case, and links across workspaces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getTableColumns } from 'drizzle-orm';
import fc from 'fast-check';
import { users, workspaces } from '../../../drizzle/schema';
import {
  type AttributeSpec,
  type AttributeType,
  findAttribute,
  type ObjectSlug,
  objectSlugs,
  objectSpec,
  type ReferenceTarget,
  referenceAttributes,
} from '../../../shared/catalog';
import { operatorsByType } from '../../../shared/filters';
import { type Database, yieldToEventLoop } from '../../db/database';
import { randomGenerator } from '../../db/seed-demo';
import { openTestDatabase } from '../../db/test-database';
import { attributeColumn, objectTable } from '../attributes';
import { buildRecordSelect, countRecords, resolveRecordQuery } from '../record-query';

type Value = string | number | string[] | null;
type Row = Record<string, Value> & { id: string; workspace: string };
type Filter = Record<string, unknown>;

const texts = [
  'Ada',
  'ada',
  'ADA Lovelace',
  'Chloé',
  "O'Brien",
  '100% sure',
  'under_score',
  'back\\slash',
  "Robert'); DROP TABLE people;--",
  '',
  'Smith',
  'smith, jr.',
  '株式会社',
  'x%_y',
  'Software',
  'software',
];
const tagPool = ['vip', 'VIP', 'beta', 'trial', 'a_b', '100%', 'hot lead'];
const numbers = [0, 1, 10, 250, 5000, -3];
const dates = ['1999-12-31', '2000-01-01', '2024-02-29', '2026-06-15'];
const timestamps = [
  '2025-12-31T23:59:59.999Z',
  '2026-01-01T00:00:00.000Z',
  '2026-01-01T00:00:00.001Z',
  '2026-03-15T12:30:00.000Z',
  '2026-11-20T08:00:00.000Z',
];

const rows: Record<ReferenceTarget, Row[]> = {
  people: [],
  companies: [],
  conversations: [],
  activities: [],
  users: [],
};
let database: Database;
let drop: () => Promise<void>;
let workspaceA = '';
let userA = '';

const random = randomGenerator(77);

function valueFor(object: ObjectSlug, attribute: AttributeSpec, index: number, workspace: string): Value {
  const column = attributeColumn(object, attribute.slug);
  const nullable = !column?.notNull;
  if (nullable && attribute.type !== 'multiselect' && random.chance(0.15)) return null;
  switch (attribute.type) {
    case 'text':
    case 'phone':
      return random.pick(texts);
    case 'email':
      return `${random.pick(['ada', 'Ada', "o'brien", '100%', 'a_b'])}${index}@${random.pick(['mail.test', 'EXAMPLE.org'])}`;
    case 'number':
      return random.pick(numbers);
    case 'date':
      return random.pick(dates);
    case 'timestamp':
      return random.pick(timestamps);
    case 'select':
      return random.pick(attribute.options ?? []);
    case 'multiselect':
      return random.some(tagPool, 3);
    case 'reference': {
      const target = attribute.reference as ReferenceTarget;
      const sameWorkspace = rows[target].filter((row) => row.workspace === workspace);
      // Now and then a link into the other workspace: filters through it must never see that row.
      const pool = random.chance(0.08)
        ? rows[target].filter((row) => row.workspace !== workspace)
        : sameWorkspace;
      return pool.length ? random.pick(pool).id : null;
    }
  }
}

function propertyOf(object: ObjectSlug, slug: string): string {
  const column = attributeColumn(object, slug);
  const entry = Object.entries(getTableColumns(objectTable(object))).find(
    ([, candidate]) => candidate === column,
  );
  if (!entry) throw new Error(`no property for ${object}.${slug}`);
  return entry[0];
}

async function insertObject(object: ObjectSlug, workspace: string, count: number): Promise<void> {
  const spec = objectSpec(object);
  for (let index = 0; index < count; index++) {
    const values: Record<string, Value> = {};
    for (const attribute of spec.attributes)
      values[attribute.slug] = valueFor(object, attribute, index, workspace);
    if (object === 'companies')
      values.domain = values.domain === null ? null : `d${index}.${String(values.domain)}`;
    const insert: Record<string, unknown> = { workspaceId: workspace };
    for (const attribute of spec.attributes) {
      const value = values[attribute.slug];
      insert[propertyOf(object, attribute.slug)] =
        attribute.type === 'timestamp' && typeof value === 'string' ? new Date(value) : value;
    }
    const table = objectTable(object);
    const [inserted] = await database.db
      .insert(table)
      .values(insert as typeof table.$inferInsert)
      .returning({ id: table.id });
    rows[object].push({ ...values, id: inserted!.id, workspace });
  }
}

before(async () => {
  const test = await openTestDatabase();
  database = test.database;
  drop = test.drop;
  const db = database.db;
  for (const slug of ['diff-a', 'diff-b']) {
    const [workspace] = await db.insert(workspaces).values({ slug, name: slug }).returning();
    const members = await db
      .insert(users)
      .values(
        ['Ada Admin', 'Zoë "Z" Member'].map((name, index) => ({
          workspaceId: workspace!.id,
          email: `${index ? 'Z_member' : 'ada%admin'}@${slug}.test`,
          name,
          role: index ? ('member' as const) : ('admin' as const),
          passwordHash: 'x',
        })),
      )
      .returning();
    for (const member of members) {
      rows.users.push({ id: member.id, workspace: workspace!.id, name: member.name, email: member.email });
    }
    if (slug === 'diff-a') {
      workspaceA = workspace!.id;
      userA = members[0]!.id;
    }
  }
  const sizes: Record<ObjectSlug, [number, number]> = {
    companies: [10, 5],
    people: [45, 12],
    conversations: [30, 8],
    activities: [40, 8],
  };
  for (const object of ['companies', 'people', 'conversations', 'activities'] as const) {
    const [inA, inB] = sizes[object];
    const workspaceB = rows.users.find((user) => user.workspace !== workspaceA)!.workspace;
    await insertObject(object, workspaceA, inA);
    await insertObject(object, workspaceB, inB);
  }
});

after(() => drop());

// ——— the reference evaluator: the language's semantics, spelled out over plain rows ———

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function leafOf(object: ObjectSlug, key: string): { spec: AttributeSpec; read(row: Row): Value | undefined } {
  const [head, leaf] = key.split('.') as [string, string | undefined];
  const attribute = findAttribute(object, head)!;
  if (leaf === undefined) return { spec: attribute, read: (row) => row[head] ?? null };
  const target = attribute.reference as ReferenceTarget;
  const spec = referenceAttributes(target).find((candidate) => candidate.slug === leaf)!;
  return {
    spec,
    // A path holds only through a linked record of the same workspace; no link → undefined → false.
    read: (row) => {
      const linked = rows[target].find(
        (candidate) => candidate.id === row[head] && candidate.workspace === row.workspace,
      );
      return linked ? (linked[leaf] ?? null) : undefined;
    },
  };
}

function comparable(type: AttributeType, value: unknown): string | number {
  if (type === 'timestamp') {
    // In microseconds, like Postgres: Date.parse alone would round .000001 away.
    const micros = /\.\d{3}(\d{1,3})/.exec(String(value))?.[1] ?? '';
    return Date.parse(String(value)) * 1000 + Number(micros.padEnd(3, '0'));
  }
  if (type === 'reference') return String(value).toLowerCase();
  return value as string | number;
}

function holds(type: AttributeType, operator: string, operand: unknown, value: Value | undefined): boolean {
  if (value === undefined) return false;
  const lower = (text: string) => text.toLowerCase();
  if (type === 'multiselect') {
    const tags = (value ?? []) as string[];
    if (operator === '$eq') return tags.includes(operand as string);
    if (operator === '$in') return (operand as string[]).some((tag) => tags.includes(tag));
    if (operator === '$all') return (operand as string[]).every((tag) => tags.includes(tag));
    if (operator === '$not_empty') return tags.length > 0 === operand;
  }
  const textual = type === 'text' || type === 'email' || type === 'phone';
  if (operator === '$not_empty') return (value !== null && !(textual && value === '')) === operand;
  if (value === null) return false;
  const x = comparable(type, value);
  switch (operator) {
    case '$eq':
      return x === comparable(type, operand);
    case '$in':
      return (operand as unknown[]).some((item) => x === comparable(type, item));
    case '$contains':
      return lower(String(x)).includes(lower(String(operand)));
    case '$starts_with':
      return lower(String(x)).startsWith(lower(String(operand)));
    case '$ends_with':
      return lower(String(x)).endsWith(lower(String(operand)));
    case '$lt':
      return x < comparable(type, operand);
    case '$lte':
      return x <= comparable(type, operand);
    case '$gt':
      return x > comparable(type, operand);
    case '$gte':
      return x >= comparable(type, operand);
  }
  throw new Error(`evaluator: ${operator} on ${type}`);
}

function evaluate(object: ObjectSlug, filter: Filter, row: Row): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === '$and') return (value as Filter[]).every((part) => evaluate(object, part, row));
    if (key === '$or') return (value as Filter[]).some((part) => evaluate(object, part, row));
    if (key === '$not') return !evaluate(object, value as Filter, row);
    const { spec, read } = leafOf(object, key);
    const operators = isObject(value) ? Object.entries(value) : [['$eq', value] as const];
    return operators.every(([operator, operand]) => holds(spec.type, operator, operand, read(row)));
  });
}

// ——— generators: valid filters, from the catalog and the dataset's values ———

function filterKeys(object: ObjectSlug): string[] {
  return objectSpec(object).attributes.flatMap((attribute) => {
    if (!attribute.filterable) return [];
    if (attribute.type !== 'reference' || !attribute.reference) return [attribute.slug];
    return [
      attribute.slug,
      ...referenceAttributes(attribute.reference)
        .filter((leaf) => leaf.filterable)
        .map((leaf) => `${attribute.slug}.${leaf.slug}`),
    ];
  });
}

const asciiUpper = (text: string) => text.replace(/[a-z]/g, (character) => character.toUpperCase());

function valueArbitrary(object: ObjectSlug, key: string, operator: string): fc.Arbitrary<unknown> {
  const { spec } = leafOf(object, key);
  const [head, leaf] = key.split('.');
  const source = leaf ? rows[findAttribute(object, head!)!.reference as ReferenceTarget] : rows[object];
  const present = [...new Set(source.map((row) => row[leaf ?? head!]).filter((value) => value !== null))];
  switch (spec.type) {
    case 'text':
    case 'email':
    case 'phone': {
      const strings = [...new Set([...(present as string[]), ...texts])];
      if (operator === '$eq' || operator === '$in') return fc.constantFrom(...strings);
      // Pieces of real values, sometimes upper-cased (ASCII only: case folding beyond ASCII depends on
      // the server's locale), plus LIKE metacharacters on their own.
      const piece = fc
        .tuple(fc.constantFrom(...strings.filter(Boolean)), fc.nat(), fc.nat(), fc.boolean())
        .map(([text, start, length, upper]) => {
          const from = start % (text.length + 1);
          const cut = text.slice(from, from + (length % (text.length - from + 1)));
          return upper ? asciiUpper(cut) : cut;
        });
      return fc.oneof(piece, fc.constantFrom('%', '_', '\\', "'", '%_', 'a%'));
    }
    case 'number':
      return fc.oneof(fc.constantFrom(...numbers), fc.integer({ min: -5, max: 6000 }));
    case 'date':
      return fc.oneof(fc.constantFrom(...dates), fc.constantFrom('1999-12-30', '2024-03-01', '2026-06-16'));
    case 'timestamp':
      return fc.oneof(
        fc.constantFrom(...timestamps),
        fc.constantFrom(
          '2026-01-01',
          '2026-01-01T01:00:00+01:00',
          '2026-03-15T12:30:00.000001Z',
          '2025-12-31T23:59:59.999Z',
        ),
      );
    case 'select':
      return fc.constantFrom(...(spec.options ?? []));
    case 'multiselect':
      return fc.constantFrom(...tagPool, 'VIP', 'absent');
    case 'reference': {
      const target = findAttribute(
        leaf ? (findAttribute(object, head!)!.reference as ObjectSlug) : object,
        spec.slug,
      )!.reference as ReferenceTarget;
      return fc.oneof(fc.constantFrom(...rows[target].map((row) => row.id)), fc.uuid());
    }
  }
}

function conditionArbitrary(object: ObjectSlug): fc.Arbitrary<Filter> {
  return fc.constantFrom(...filterKeys(object)).chain((key) => {
    const { spec } = leafOf(object, key);
    const single = (operator: string): fc.Arbitrary<[string, unknown]> => {
      if (operator === '$not_empty') return fc.boolean().map((flag) => [operator, flag]);
      if (operator === '$in' || operator === '$all') {
        return fc
          .array(valueArbitrary(object, key, operator), { minLength: 1, maxLength: 4 })
          .map((list) => [operator, list]);
      }
      return valueArbitrary(object, key, operator).map((value) => [operator, value]);
    };
    const operators = operatorsByType[spec.type];
    return fc.oneof(
      // shorthand equality
      valueArbitrary(object, key, '$eq').map((value) => ({ [key]: value })),
      // one or more operators on the attribute
      fc
        .uniqueArray(fc.constantFrom(...operators), { minLength: 1, maxLength: 2 })
        .chain((chosen) => fc.tuple(...chosen.map(single)))
        .map((pairs) => ({ [key]: Object.fromEntries(pairs) })),
    );
  });
}

function filterArbitrary(object: ObjectSlug): fc.Arbitrary<Filter> {
  const condition = conditionArbitrary(object);
  const { node } = fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      condition,
      fc
        .array(condition, { minLength: 2, maxLength: 3 })
        .map((parts) => Object.assign({}, ...parts) as Filter),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((parts) => ({ $and: parts })),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((parts) => ({ $or: parts })),
      tie('node').map((part) => ({ $not: part })),
    ),
  }));
  return node;
}

async function selectedIds(object: ObjectSlug, filter: Filter): Promise<{ ids: string[]; total: number }> {
  const scope = { workspaceId: workspaceA, userId: userA, role: 'admin' as const };
  const resolved = await resolveRecordQuery(database.db, scope, object, { filter });
  const result: Record<string, unknown>[] = await buildRecordSelect(database.db, resolved, {
    attributes: [],
  });
  const total = await countRecords(database.db, resolved);
  return { ids: result.map((row) => String(row.id)).sort(), total };
}

describe('filter language: SQL selects exactly what the reference evaluator selects', () => {
  test('the dataset has both workspaces, NULLs and cross-workspace links', () => {
    assert.ok(rows.people.some((row) => row.workspace === workspaceA && row.platform === null));
    const companyWorkspace = new Map(rows.companies.map((row) => [row.id, row.workspace]));
    assert.ok(
      rows.people.some((row) => row.company && companyWorkspace.get(row.company as string) !== row.workspace),
    );
  });

  test('300 random valid filters over the four objects (fast-check, fixed seed)', async () => {
    let nonEmpty = 0;
    let partial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...objectSlugs)
          .chain((object) => fc.tuple(fc.constant(object), filterArbitrary(object))),
        async ([object, filter]) => {
          const expected = rows[object]
            .filter((row) => row.workspace === workspaceA && evaluate(object, filter, row))
            .map((row) => row.id)
            .sort();
          const actual = await selectedIds(object, filter);
          await yieldToEventLoop();
          assert.deepEqual(actual.ids, expected, `filter ${JSON.stringify(filter)} on ${object}`);
          assert.equal(actual.total, expected.length);
          const all = rows[object].filter((row) => row.workspace === workspaceA).length;
          if (expected.length > 0) nonEmpty += 1;
          if (expected.length > 0 && expected.length < all) partial += 1;
        },
      ),
      { numRuns: 300, seed: 424242, endOnFailure: true },
    );
    // The generator is only worth something if filters select proper, non-empty subsets.
    assert.ok(nonEmpty > 120, `only ${nonEmpty} filters selected anything`);
    assert.ok(partial > 90, `only ${partial} filters selected a proper subset`);
  });

  test('a path never reaches the other workspace: its own rows through a foreign link stay unseen', async () => {
    const companyWorkspace = new Map(rows.companies.map((row) => [row.id, row]));
    const crossLinked = rows.people.find(
      (row) =>
        row.workspace === workspaceA &&
        row.company &&
        companyWorkspace.get(row.company as string)?.workspace !== workspaceA,
    )!;
    const foreign = companyWorkspace.get(crossLinked.company as string)!;
    const { ids } = await selectedIds('people', {
      'company.name': foreign.name,
      'company.domain': foreign.domain ?? { $not_empty: false },
    });
    assert.ok(!ids.includes(crossLinked.id));
  });
});
