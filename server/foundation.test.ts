import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { people, workspaces } from '../drizzle/schema';
import { structuredErrorOf } from '../shared/api-errors';
import type { ErrorCode } from '../shared/errors';
import { appRouter } from './router';
import { createClient } from './sdk';
import { rejection } from './testing/rejection';
import { startTestApp, type TestApp } from './testing/test-app';
import { publicProcedure, router } from './trpc';

/** The router under test plus one procedure that fails the way a bug would. */
const routerWithBug = router({
  ...appRouter._def.procedures,
  debug: router({
    explode: publicProcedure.query(() => {
      throw new Error('secret internals: password=hunter2 at db.ts:42');
    }),
  }),
});

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    response,
    json: (await response.json()) as {
      error?: { code: number; message: string; data: Record<string, unknown> };
    },
  };
}

describe('foundation: the error contract over real HTTP', () => {
  let app: TestApp;
  let acmePersonId: string;

  before(async () => {
    app = await startTestApp({ router: routerWithBug, env: { RATE_LIMIT_READS_PER_SECOND: '30' } });
    const [acme] = await app.database.db.select().from(workspaces).where(eq(workspaces.slug, 'acme'));
    const [person] = await app.database.db
      .select({ id: people.id })
      .from(people)
      .where(eq(people.workspaceId, acme!.id))
      .limit(1);
    acmePersonId = person!.id;
  });
  after(() => app.close());

  test('no credentials → 401 UNAUTHORIZED in the structured shape', async () => {
    const response = await fetch(`${app.url}/trpc/auth.me`);
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { code: number; data: Record<string, unknown> } };
    assert.equal(body.error.code, -32001);
    assert.equal(body.error.data.status_code, 401);
    assert.equal(body.error.data.type, 'auth_error');
    assert.equal(body.error.data.code, 'UNAUTHORIZED');
    assert.equal(typeof body.error.data.request_id, 'string');
    assert.equal(body.error.data.path, 'auth.me');
    assert.equal(response.headers.get('x-request-id'), body.error.data.request_id);
  });

  test('the typed client sees error.data.code as the catalog code type', async () => {
    const error = await rejection(app.anonymous.auth.me.query());
    const code: ErrorCode | undefined = error.data?.code;
    assert.equal(code, 'UNAUTHORIZED');
    assert.equal(error.data?.status_code, 401);
    assert.equal(structuredErrorOf(error)?.type, 'auth_error');
  });

  test('login sets an HttpOnly SameSite=Lax cookie; me answers who is calling; logout ends it', async () => {
    const { response } = await postJson(`${app.url}/trpc/auth.login`, {
      email: 'member@acme.test',
      password: 'demo1234',
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /crm_session=[^;]+;.*HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const client = createClient({ url: app.url, headers: { Cookie: cookie.split(';')[0]! } });
    const me = await client.auth.me.query();
    assert.equal(me.user.email, 'member@acme.test');
    assert.equal(me.user.role, 'member');
    assert.equal(me.workspace.slug, 'acme');
    await client.auth.logout.mutate();
    assert.equal((await rejection(client.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });

  test('a wrong password is 401 with the same message as an unknown email', async () => {
    const wrong = await rejection(
      app.anonymous.auth.login.mutate({ email: 'admin@acme.test', password: 'nope' }),
    );
    const unknown = await rejection(
      app.anonymous.auth.login.mutate({ email: 'nobody@acme.test', password: 'nope' }),
    );
    assert.equal(wrong.data?.code, 'UNAUTHORIZED');
    assert.equal(wrong.message, unknown.message);
  });

  test('a viewer calling apiKeys.create → 403 FORBIDDEN', async () => {
    const viewer = await app.loginAs('viewer@acme.test');
    const error = await rejection(viewer.apiKeys.create.mutate({ name: 'mine' }));
    assert.equal(error.data?.code, 'FORBIDDEN');
    assert.equal(error.data?.status_code, 403);
    assert.deepEqual(error.data?.details, { required_role: 'admin', role: 'viewer' });
    const member = await app.loginAs('member@acme.test');
    assert.equal((await rejection(member.apiKeys.list.query())).data?.code, 'FORBIDDEN');
  });

  test('admins create, list and revoke keys; the plain key is shown once and works until revoked', async () => {
    const admin = await app.loginAs('admin@acme.test');
    const created = await admin.apiKeys.create.mutate({ name: 'integration', scopes: ['records:read'] });
    assert.match(created.key, /^crm_[0-9a-f]{8}_/);
    assert.ok(created.key.startsWith(created.prefix));
    const listed = await admin.apiKeys.list.query();
    const summary = listed.find((key) => key.id === created.id);
    assert.ok(summary);
    assert.equal('key' in summary, false);
    const withKey = createClient({ url: app.url, apiKey: created.key });
    assert.equal((await withKey.auth.me.query()).via, 'api_key');
    // A key is bound to its scopes: records:read cannot manage keys even though its owner is an admin.
    assert.equal((await rejection(withKey.apiKeys.list.query())).data?.code, 'FORBIDDEN');
    await admin.apiKeys.revoke.mutate({ id: created.id });
    assert.equal((await rejection(withKey.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });

  test('a Globex key reading an Acme person by id → 404 NOT_FOUND, never the record', async () => {
    const globexAdmin = await app.loginAs('admin@globex.test');
    const { key } = await globexAdmin.apiKeys.create.mutate({ name: 'globex' });
    const globex = createClient({ url: app.url, apiKey: key });
    const error = await rejection(globex.people.get.query({ id: acmePersonId }));
    assert.equal(error.data?.code, 'NOT_FOUND');
    assert.equal(error.data?.status_code, 404);
    assert.equal(JSON.stringify(error.data).includes('@'), false, 'no field of the record leaks');
    const acme = await app.loginAs('viewer@acme.test');
    const person = await acme.people.get.query({ id: acmePersonId });
    assert.equal(person.id, acmePersonId);
  });

  test('malformed input → 400 VALIDATION_ERROR with details.issues', async () => {
    const viewer = await app.sessionCookieFor('viewer@acme.test');
    const response = await fetch(
      `${app.url}/trpc/people.get?input=${encodeURIComponent(JSON.stringify({ id: 42 }))}`,
      {
        headers: { Cookie: viewer },
      },
    );
    assert.equal(response.status, 400);
    const body = (await response.json()) as {
      error: { data: { code: string; details: { issues: { path: string; message: string }[] } } };
    };
    assert.equal(body.error.data.code, 'VALIDATION_ERROR');
    assert.equal(body.error.data.details.issues[0]?.path, 'id');

    const garbage = await fetch(`${app.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    assert.equal(garbage.status, 400);
    const garbageBody = (await garbage.json()) as { error: { data: { code: string } } };
    assert.equal(garbageBody.error.data.code, 'VALIDATION_ERROR');
  });

  test('a procedure that throws a plain Error → 500 with no internals in the body', async () => {
    const response = await fetch(`${app.url}/trpc/debug.explode`);
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.doesNotMatch(text, /hunter2|secret|db\.ts|stack/i);
    const body = JSON.parse(text) as { error: { data: Record<string, unknown>; message: string } };
    assert.equal(body.error.data.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(body.error.data.type, 'api_error');
    assert.equal(typeof body.error.data.request_id, 'string');
    assert.equal(body.error.message, 'An unexpected error occurred');
  });

  test('past the rate limit → 429 RATE_LIMIT_EXCEEDED with Retry-After', async () => {
    const cookie = await app.sessionCookieFor('member@acme.test');
    // One burst, all sent at once: one after another, a loaded machine may not reach 30 a second.
    const responses = await Promise.all(
      Array.from({ length: 90 }, () => fetch(`${app.url}/trpc/auth.me`, { headers: { Cookie: cookie } })),
    );
    const statuses = responses.map((response) => response.status);
    const limited = responses.find((response) => response.status === 429);
    await Promise.all(
      responses.filter((response) => response !== limited).map((response) => response.arrayBuffer()),
    );
    assert.ok(limited, `never limited: ${statuses.join(',')}`);
    assert.ok(statuses.filter((status) => status === 200).length >= 1);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1, 'Retry-After header present');
    const body = (await limited.json()) as {
      error: { data: { code: string; status_code: number; details: { retry_after_seconds: number } } };
    };
    assert.equal(body.error.data.code, 'RATE_LIMIT_EXCEEDED');
    assert.equal(body.error.data.status_code, 429);
    assert.equal(body.error.data.details.retry_after_seconds, retryAfter);
  });

  test('an unknown /api/ path → flat NOT_FOUND body; /api/health answers', async () => {
    const response = await fetch(`${app.url}/api/nope/nothing`);
    assert.equal(response.status, 404);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.status_code, 404);
    assert.equal(body.type, 'invalid_request_error');
    assert.equal(body.code, 'NOT_FOUND');
    assert.equal(typeof body.message, 'string');
    assert.equal(typeof body.request_id, 'string');
    assert.equal('error' in body, false, 'flat, not wrapped');

    const health = await fetch(`${app.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
  });

  test('an unknown procedure → 404 NOT_FOUND in the structured shape', async () => {
    const response = await fetch(`${app.url}/trpc/people.nothing`);
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { data: { code: string } } };
    assert.equal(body.error.data.code, 'NOT_FOUND');
  });
});
