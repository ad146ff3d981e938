import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '../sdk';
import { recordStatements, type StatementRecorder } from '../testing/record-statements';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { login, sha256 } from './identity';
import { createIdentityCache, identityCacheMs } from './identity-cache';

let app: TestApp;
let recorder: StatementRecorder;
before(async () => {
  app = await startTestApp();
  recorder = recordStatements(app.database);
});
after(async () => {
  recorder?.stop();
  await app?.close();
});

describe('the identity cache over HTTP', () => {
  test('a known caller is not looked up again; logout refuses the session at once', async () => {
    const cookie = await app.sessionCookieFor('member@acme.test');
    const client = createClient({ url: app.url, headers: { Cookie: cookie } });
    assert.equal((await client.auth.me.query()).user.email, 'member@acme.test');
    recorder.clear();
    assert.equal((await client.auth.me.query()).user.email, 'member@acme.test');
    assert.deepEqual(recorder.statements, [], 'the second call is answered from the cache');
    await client.auth.logout.mutate();
    assert.equal((await rejection(client.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });

  test('a session is refused once it expires, even while its lookup is cached', async () => {
    const cookie = await app.sessionCookieFor('viewer@acme.test');
    const token = decodeURIComponent(cookie.split('=')[1] ?? '');
    const expiresAt = Date.now() + 2000;
    assert.ok(2000 < identityCacheMs, 'the session ends before its cache entry would');
    await app.database.query('update sessions set expires_at = $1 where token_hash = $2', [
      new Date(expiresAt).toISOString(),
      sha256(token),
    ]);
    const client = createClient({ url: app.url, headers: { Cookie: cookie } });
    assert.equal((await client.auth.me.query()).user.email, 'viewer@acme.test');
    await sleep(expiresAt - Date.now() + 50);
    assert.equal((await rejection(client.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });

  test('a revoked API key is refused at once', async () => {
    const admin = await app.loginAs('admin@acme.test');
    const created = await admin.apiKeys.create.mutate({ name: 'soon revoked', scopes: ['records:read'] });
    const withKey = createClient({ url: app.url, apiKey: created.key });
    assert.equal((await withKey.auth.me.query()).via, 'api_key');
    recorder.clear();
    assert.equal((await withKey.auth.me.query()).via, 'api_key');
    assert.deepEqual(recorder.statements, [], 'the second call is answered from the cache');
    await admin.apiKeys.revoke.mutate({ id: created.id });
    assert.equal((await rejection(withKey.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });
});

describe('the identity cache', () => {
  test('a session ended by another process is refused once its entry is older than the TTL', async () => {
    let now = Date.now();
    const cache = createIdentityCache({ now: () => now });
    const { token } = await login(app.database.db, 'member@acme.test', 'demo1234');
    assert.ok(await cache.session(app.database.db, token));
    await app.database.query('delete from sessions where token_hash = $1', [sha256(token)]);
    assert.ok(await cache.session(app.database.db, token), 'within the TTL, the entry answers');
    now += identityCacheMs;
    assert.equal(await cache.session(app.database.db, token), undefined);
  });

  test('concurrent lookups of a token share one query; one racing a logout is not remembered', async () => {
    const cache = createIdentityCache();
    const { token } = await login(app.database.db, 'member@acme.test', 'demo1234');
    recorder.clear();
    const answers = await Promise.all([1, 2, 3].map(() => cache.session(app.database.db, token)));
    assert.ok(answers.every((answer) => answer?.user.email === 'member@acme.test'));
    assert.equal(recorder.statements.length, 1);

    const other = (await login(app.database.db, 'viewer@acme.test', 'demo1234')).token;
    recorder.clear();
    const racing = cache.session(app.database.db, other);
    cache.forgetSession(other);
    await racing;
    await cache.session(app.database.db, other);
    assert.equal(recorder.statements.length, 2, 'looked up again after the forget');
  });

  test('holds at most maxEntries callers, dropping the oldest first', async () => {
    const cache = createIdentityCache({ maxEntries: 2 });
    const tokens = await Promise.all(
      ['admin@acme.test', 'member@acme.test', 'viewer@acme.test'].map(
        async (email) => (await login(app.database.db, email, 'demo1234')).token,
      ),
    );
    for (const token of tokens) await cache.session(app.database.db, token);
    recorder.clear();
    await cache.session(app.database.db, tokens[2]!);
    await cache.session(app.database.db, tokens[1]!);
    assert.equal(recorder.statements.length, 0);
    await cache.session(app.database.db, tokens[0]!);
    assert.equal(recorder.statements.length, 1, 'the oldest was dropped');
  });
});
