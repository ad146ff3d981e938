import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { companies, people, savedViews, workspaces } from '../../drizzle/schema';
import type { ErrorCode } from '../../shared/errors';
import { yieldToEventLoop } from '../db/database';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | undefined> {
  return (await rejection(promise)).data?.code;
}

describe('records: list, count, assert over real HTTP', () => {
  let app: TestApp;
  let acme: CrmClient;
  let member: CrmClient;
  let viewer: CrmClient;
  let globex: CrmClient;
  let acmeId: string;
  let globexId: string;
  let cookie: string;

  before(async () => {
    app = await startTestApp({
      env: { RATE_LIMIT_READS_PER_SECOND: '100000', RATE_LIMIT_WRITES_PER_SECOND: '100000' },
    });
    acme = await app.loginAs('admin@acme.test');
    member = await app.loginAs('member@acme.test');
    viewer = await app.loginAs('viewer@acme.test');
    globex = await app.loginAs('admin@globex.test');
    cookie = await app.sessionCookieFor('viewer@acme.test');
    const all = await app.database.db.select().from(workspaces);
    acmeId = all.find((workspace) => workspace.slug === 'acme')!.id;
    globexId = all.find((workspace) => workspace.slug === 'globex')!.id;
  });
  after(() => app.close());

  test('people.list: records keyed by slug, newest first, total = count', async () => {
    const page = await viewer.people.list.query({ limit: 5 });
    assert.equal(page.records.length, 5);
    assert.ok(page.nextCursor);
    const { total } = await viewer.people.count.query({});
    assert.equal(page.total, total);
    assert.equal(total, 2500);
    const created = page.records.map((record) => String(record.created_at));
    assert.deepEqual(created, [...created].sort().reverse());
    assert.ok('first_name' in page.records[0]! && 'company' in page.records[0]!);
  });

  test('activities.list is the timeline: newest first, filterable by linked record', async () => {
    const page = await viewer.activities.list.query({ limit: 50 });
    const occurred = page.records.map((record) => String(record.occurred_at));
    assert.deepEqual(occurred, [...occurred].sort().reverse());
    const person = page.records.find((record) => record.person)!.person as { id: string };
    const forPerson = await viewer.activities.list.query({ filter: { person: person.id }, limit: 500 });
    assert.ok(forPerson.records.length >= 1);
    assert.ok(forPerson.records.every((record) => (record.person as { id: string }).id === person.id));
  });

  test('a typical filter: status + tag + date range + company.industry', async () => {
    const filter = {
      status: 'customer',
      tags: { $in: ['vip', 'beta'] },
      created_at: { $gte: '2025-06-01T00:00:00Z', $lt: '2026-12-01' },
      'company.industry': { $not_empty: true },
    };
    const page = await viewer.people.list.query({ filter, limit: 500 });
    assert.ok(page.total > 0 && page.total === page.records.length);
    for (const record of page.records) {
      assert.equal(record.status, 'customer');
      assert.ok((record.tags as string[]).some((tag) => tag === 'vip' || tag === 'beta'));
      assert.ok(String(record.created_at) >= '2025-06-01');
      assert.ok(record.company);
    }
  });

  test('keyset pagination walks every row exactly once, even with inserts between pages', async () => {
    for (const sort of [
      undefined,
      [{ attribute: 'last_name', direction: 'asc' as const }],
      [
        { attribute: 'platform', direction: 'desc' as const },
        { attribute: 'first_name', direction: 'asc' as const },
      ],
    ]) {
      const before = new Set(
        (
          await app.database.db.select({ id: people.id }).from(people).where(eq(people.workspaceId, acmeId))
        ).map((row) => row.id),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await viewer.people.list.query({
          limit: 173,
          ...(sort ? { sort } : {}),
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.records.map((record) => record.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
        // New people land everywhere in the order (newest first, and at random names and platforms).
        await member.people.assert.mutate({
          matching_attribute: 'email',
          values: {
            email: `inserted-${pages}-${seen.length}-${sort?.[0]?.attribute ?? 'default'}@new.test`,
            last_name: ['Aaron', 'Mmm', 'Zzz'][pages % 3],
            platform: pages % 2 ? null : 'email',
          },
        });
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, 'no row twice');
      for (const id of before) assert.ok(seen.includes(id), 'every row present before the walk is seen');
      assert.ok(pages > 10);
    }
  });

  test('bad sort, bad cursor, too big a page → 400 VALIDATION_ERROR with details', async () => {
    const unknown = await rejection(
      viewer.people.list.query({ sort: [{ attribute: 'shoe_size', direction: 'asc' }] }),
    );
    assert.equal(unknown.data?.code, 'VALIDATION_ERROR');
    assert.deepEqual(
      (unknown.data?.details as { issues: { path: string }[] } | undefined)?.issues[0]?.path,
      'sort.0.attribute',
    );
    assert.equal(
      await codeOf(viewer.people.list.query({ sort: [{ attribute: 'tags', direction: 'asc' }] })),
      'VALIDATION_ERROR',
    );
    assert.equal(await codeOf(viewer.people.list.query({ cursor: 'not-a-cursor' })), 'VALIDATION_ERROR');
    const page = await viewer.people.list.query({ limit: 2 });
    const other = await rejection(
      viewer.people.list.query({
        cursor: page.nextCursor!,
        sort: [{ attribute: 'email', direction: 'asc' }],
      }),
    );
    assert.equal(other.data?.code, 'VALIDATION_ERROR');
    const forged = Buffer.from(
      JSON.stringify({ o: 'created_at:desc,id:desc', v: ['2026-13-45T00:00:00.000000Z', 'x'] }),
    ).toString('base64url');
    assert.equal(await codeOf(viewer.people.list.query({ cursor: forged })), 'VALIDATION_ERROR');
    assert.equal(await codeOf(viewer.people.list.query({ limit: 501 })), 'VALIDATION_ERROR');
  });

  test('the documented INVALID_FILTER example, over HTTP', async () => {
    const error = await rejection(
      viewer.people.list.query({ filter: { $and: [{ tags: 'vip' }, { status: { $gt: 'lead' } }] } }),
    );
    assert.equal(error.data?.code, 'INVALID_FILTER');
    assert.equal(error.data?.status_code, 400);
    assert.deepEqual(error.data?.details, {
      field: 'filter',
      path: '$and[1].status.$gt',
      reason: "Operator $gt is not supported for select attribute 'status'",
    });
  });

  test('300 junk and mutated filters over HTTP: only 400 INVALID_FILTER / VALIDATION_ERROR, never a 500', async () => {
    const valid = [
      { status: 'lead' },
      { tags: { $all: ['vip', 'beta'] } },
      { 'company.industry': { $contains: 'soft' } },
      { created_at: { $gte: '2026-01-01T00:00:00Z' } },
    ];
    const mutation = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.tuple(fc.constantFrom(...valid), fc.jsonValue({ maxDepth: 2 })).map(([filter, junk]) => {
        const [key] = Object.keys(filter);
        return { ...filter, [key!]: junk };
      }),
      fc.tuple(fc.constantFrom(...valid), fc.string()).map(([filter, key]) => ({ ...filter, [key]: 'x' })),
      fc.jsonValue({ maxDepth: 3 }).map((junk) => ({ $or: [junk] })),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutation, async (filter) => {
        const input = encodeURIComponent(JSON.stringify({ filter, limit: 1 }));
        const response = await fetch(`${app.url}/trpc/people.list?input=${input}`, {
          headers: { Cookie: cookie },
        });
        const body = (await response.json()) as { error?: { data: { code: string } } };
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== 200) {
          assert.equal(response.status, 400, JSON.stringify(filter));
          assert.ok(
            ['INVALID_FILTER', 'VALIDATION_ERROR'].includes(body.error!.data.code),
            JSON.stringify(filter),
          );
        }
      }),
      { numRuns: 300, seed: 99 },
    );
    assert.ok((statuses.get(400) ?? 0) > 200, JSON.stringify([...statuses]));
  });

  test('SQL injection strings as values match literally and harm nothing', async () => {
    const evil = [
      "Robert'); DROP TABLE people;--",
      "' OR '1'='1",
      '%',
      '_',
      '\\',
      '1; DELETE FROM companies',
    ];
    for (const [index, text] of evil.entries()) {
      await member.people.assert.mutate({
        matching_attribute: 'email',
        values: { email: `evil${index}@x.test`, first_name: text, job_title: `a${text}b` },
      });
    }
    const countBefore = (await viewer.people.count.query({})).total;
    for (const text of evil) {
      const exact = await viewer.people.list.query({ filter: { first_name: text } });
      assert.deepEqual(
        exact.records.map((record) => record.first_name),
        [text],
      );
      const contains = await viewer.people.list.query({
        filter: { job_title: { $contains: text } },
        limit: 500,
      });
      assert.ok(contains.records.length >= 1);
      assert.ok(
        contains.records.every((record) => String(record.job_title).includes(text)),
        text,
      );
    }
    assert.equal((await viewer.people.count.query({})).total, countBefore);
    assert.ok((await viewer.companies.count.query({})).total > 0);
  });

  test('cross-workspace: lists, paths, views and get never reach another workspace', async () => {
    const acmePage = await viewer.people.list.query({ limit: 500 });
    const globexPage = await globex.people.list.query({ limit: 500 });
    const acmeIds = new Set(acmePage.records.map((record) => record.id));
    assert.ok(globexPage.records.every((record) => !acmeIds.has(record.id)));
    assert.equal(globexPage.total, 600);

    // A corrupt link from a Globex person to an Acme company: paths still only see Globex companies.
    const [acmeCompany] = await app.database.db
      .select()
      .from(companies)
      .where(eq(companies.workspaceId, acmeId))
      .limit(1);
    const [globexPerson] = await app.database.db
      .select()
      .from(people)
      .where(eq(people.workspaceId, globexId))
      .limit(1);
    await app.database.db
      .update(people)
      .set({ companyId: acmeCompany!.id })
      .where(eq(people.id, globexPerson!.id));
    const throughPath = await globex.people.list.query({ filter: { 'company.name': acmeCompany!.name } });
    assert.equal(throughPath.total, 0);
    const byDomain = await globex.people.count.query({
      filter: { 'company.domain': { $ends_with: acmeCompany!.domain! } },
    });
    assert.equal(byDomain.total, 0);
    // …and the linked name is not shown: it would be an Acme company's name on a Globex record.
    const linked = await globex.people.get.query({ id: globexPerson!.id });
    assert.deepEqual(linked.company, { id: acmeCompany!.id, name: null });
    // Acme filtering by a Globex company id finds nothing of Globex.
    const [globexCompany] = await app.database.db
      .select()
      .from(companies)
      .where(eq(companies.workspaceId, globexId))
      .limit(1);
    assert.equal((await viewer.people.count.query({ filter: { company: globexCompany!.id } })).total, 0);

    assert.equal(await codeOf(globex.people.get.query({ id: acmePage.records[0]!.id })), 'NOT_FOUND');
    const [acmeView] = await app.database.db
      .select()
      .from(savedViews)
      .where(eq(savedViews.workspaceId, acmeId))
      .limit(1);
    assert.equal(await codeOf(globex.people.list.query({ viewId: acmeView!.id })), 'NOT_FOUND');
    assert.equal(await codeOf(globex.views.get.query({ id: acmeView!.id })), 'NOT_FOUND');
  });

  test('viewId applies the view filter AND the extra filter, and its sort', async () => {
    const [view] = await app.database.db
      .select()
      .from(savedViews)
      .where(and(eq(savedViews.workspaceId, acmeId), eq(savedViews.name, 'VIP customers')));
    const viaView = await viewer.people.list.query({ viewId: view!.id, limit: 500 });
    const direct = await viewer.people.list.query({
      filter: { status: 'customer', tags: 'vip' },
      limit: 500,
    });
    assert.equal(viaView.total, direct.total);
    const sorted = await viewer.people.list.query({
      filter: { status: 'customer', tags: 'vip' },
      sort: [{ attribute: 'last_name', direction: 'asc' }],
      limit: 500,
    });
    assert.deepEqual(
      viaView.records.map((record) => record.id),
      sorted.records.map((record) => record.id),
      "the view's sort applies",
    );
    const narrowed = await viewer.people.list.query({
      viewId: view!.id,
      filter: { platform: 'email' },
      limit: 500,
    });
    assert.ok(narrowed.total < viaView.total);
    assert.ok(
      narrowed.records.every((record) => record.platform === 'email' && record.status === 'customer'),
    );
    const conversationsView = await app.database.db
      .select()
      .from(savedViews)
      .where(and(eq(savedViews.workspaceId, acmeId), eq(savedViews.object, 'conversations')));
    assert.equal(
      await codeOf(viewer.people.list.query({ viewId: conversationsView[0]!.id })),
      'VALIDATION_ERROR',
    );
  });

  test('assert: creates when none matches, updates when one does, MULTIPLE_MATCH_RESULTS writes nothing', async () => {
    const [company] = await app.database.db
      .select()
      .from(companies)
      .where(eq(companies.workspaceId, acmeId))
      .limit(1);
    const created = await member.people.assert.mutate({
      matching_attribute: 'email',
      values: {
        email: 'grace@hopper.test',
        first_name: 'Grace',
        last_name: 'Hopper',
        status: 'lead',
        tags: ['navy', 'navy'],
        company: company!.id,
      },
    });
    assert.equal(created.created, true);
    assert.deepEqual(created.record.tags, ['navy']);
    assert.deepEqual(created.record.company, { id: company!.id, name: company!.name });
    const updated = await member.people.assert.mutate({
      matching_attribute: 'email',
      values: { email: 'grace@hopper.test', status: 'customer', job_title: 'Rear Admiral' },
    });
    assert.equal(updated.created, false);
    assert.equal(updated.record.id, created.record.id);
    assert.equal(updated.record.status, 'customer');
    assert.equal(updated.record.first_name, 'Grace');

    const smiths = (await viewer.people.count.query({ filter: { last_name: 'Smith' } })).total;
    const total = (await viewer.people.count.query({})).total;
    assert.ok(smiths > 1);
    const several = await rejection(
      member.people.assert.mutate({
        matching_attribute: 'last_name',
        values: { last_name: 'Smith', job_title: 'Changed' },
      }),
    );
    assert.equal(several.data?.code, 'MULTIPLE_MATCH_RESULTS');
    assert.equal(several.data?.status_code, 400);
    assert.deepEqual(several.data?.details, { matching_attribute: 'last_name', match_count: smiths });
    assert.equal((await viewer.people.count.query({})).total, total);
    assert.equal((await viewer.people.count.query({ filter: { job_title: 'Changed' } })).total, 0);

    const company2 = await member.companies.assert.mutate({
      matching_attribute: 'domain',
      values: {
        domain: 'new-co.test',
        name: 'New Co',
        employee_count: 12,
        founded_on: '2020-02-29',
        status: 'prospect',
      },
    });
    assert.equal(company2.created, true);
    assert.equal(company2.record.founded_on, '2020-02-29');
  });

  test('assert refuses what the catalog refuses, and needs the member role', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'a@b.test', shoe_size: 4 }, 'values.shoe_size'],
      [{ email: 'a@b.test', status: 'vip' }, 'values.status'],
      [{ email: 'a@b.test', tags: 'vip' }, 'values.tags'],
      [{ email: 'a@b.test', created_at: '2026-01-01' }, 'values.created_at'],
      [{ email: 'not-an-email' }, 'values.email'],
      [{ first_name: 'No email' }, 'values.email'],
    ];
    for (const [values, path] of cases) {
      const error = await rejection(member.people.assert.mutate({ matching_attribute: 'email', values }));
      assert.equal(error.data?.code, 'VALIDATION_ERROR', JSON.stringify(values));
      assert.equal(
        (error.data?.details as { issues: { path: string }[] } | undefined)?.issues[0]?.path,
        path,
      );
    }
    const [globexCompany] = await app.database.db
      .select()
      .from(companies)
      .where(eq(companies.workspaceId, globexId))
      .limit(1);
    const foreign = await rejection(
      member.people.assert.mutate({
        matching_attribute: 'email',
        values: { email: 'x@y.test', company: globexCompany!.id },
      }),
    );
    assert.equal(foreign.data?.code, 'VALIDATION_ERROR');
    assert.equal(
      await codeOf(member.people.assert.mutate({ matching_attribute: 'tags', values: { tags: ['a'] } })),
      'VALIDATION_ERROR',
    );
    assert.equal(
      await codeOf(
        viewer.people.assert.mutate({ matching_attribute: 'email', values: { email: 'v@v.test' } }),
      ),
      'FORBIDDEN',
    );
    const { key } = await acme.apiKeys.create.mutate({ name: 'read only', scopes: ['records:read'] });
    const { createClient } = await import('../sdk');
    const readOnly = createClient({ url: app.url, apiKey: key });
    assert.equal(
      await codeOf(
        readOnly.people.assert.mutate({ matching_attribute: 'email', values: { email: 'k@k.test' } }),
      ),
      'FORBIDDEN',
    );
    await yieldToEventLoop();
  });
});
