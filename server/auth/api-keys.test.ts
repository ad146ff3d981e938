import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiKeyScope } from '../../shared/auth';
import { createClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';

describe('apiKeys: managing keys needs keys:write, and a key grants no more than it holds', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  async function adminKey(scopes: ApiKeyScope[]) {
    const admin = await app.loginAs('admin@acme.test');
    const created = await admin.apiKeys.create.mutate({ name: 'test key', scopes });
    return createClient({ url: app.url, apiKey: created.key });
  }

  test('an admin key holding records:write but not keys:write cannot list, create or revoke keys', async () => {
    const key = await adminKey(['records:read', 'records:write']);
    for (const call of [
      key.apiKeys.list.query(),
      key.apiKeys.create.mutate({ name: 'escalated', scopes: ['exports:read'] }),
      key.apiKeys.revoke.mutate({ id: '00000000-0000-4000-8000-000000000000' }),
    ]) {
      const error = await rejection(call);
      assert.equal(error.data?.code, 'FORBIDDEN');
      assert.equal(error.data?.details?.required_scope, 'keys:write');
    }
  });

  test('a keys:write key cannot mint a key with scopes it lacks: FORBIDDEN naming them, nothing created', async () => {
    const key = await adminKey(['keys:write', 'records:read']);
    const before = (await key.apiKeys.list.query()).length;
    const error = await rejection(
      key.apiKeys.create.mutate({
        name: 'escalated',
        scopes: ['records:read', 'exports:write', 'exports:read'],
      }),
    );
    assert.equal(error.data?.code, 'FORBIDDEN');
    assert.equal(error.data?.status_code, 403);
    assert.deepEqual(error.data?.details?.missing_scopes, ['exports:write', 'exports:read']);
    assert.match(error.data?.message ?? '', /exports:write, exports:read/);
    assert.equal((await key.apiKeys.list.query()).length, before);

    // Omitting scopes asks for the default set (every scope but keys:write), which this key also lacks.
    const byDefault = await rejection(key.apiKeys.create.mutate({ name: 'default scopes' }));
    assert.equal(byDefault.data?.code, 'FORBIDDEN');
  });

  test('a keys:write key may create a key with a subset of its own scopes, and that key is bound by them', async () => {
    const key = await adminKey(['keys:write', 'records:read', 'exports:read']);
    const child = await key.apiKeys.create.mutate({ name: 'child', scopes: ['records:read'] });
    assert.deepEqual(child.scopes, ['records:read']);
    const childClient = createClient({ url: app.url, apiKey: child.key });
    assert.deepEqual((await childClient.auth.me.query()).scopes, ['records:read']);
    assert.equal((await rejection(childClient.apiKeys.list.query())).data?.code, 'FORBIDDEN');
    await key.apiKeys.revoke.mutate({ id: child.id });
    assert.equal((await rejection(childClient.auth.me.query())).data?.code, 'UNAUTHORIZED');
  });

  test("an admin's session grants any scope; keys:write is only given when asked for", async () => {
    const admin = await app.loginAs('admin@acme.test');
    const plain = await admin.apiKeys.create.mutate({ name: 'default' });
    assert.equal(plain.scopes.includes('keys:write'), false);
    const manager = await admin.apiKeys.create.mutate({ name: 'manager', scopes: ['keys:write'] });
    assert.deepEqual(manager.scopes, ['keys:write']);
  });

  test('keys:write does not lift the role: a member still cannot manage keys', async () => {
    const member = await app.loginAs('member@acme.test');
    const error = await rejection(member.apiKeys.create.mutate({ name: 'mine', scopes: ['records:read'] }));
    assert.equal(error.data?.code, 'FORBIDDEN');
    assert.equal(error.data?.details?.required_role, 'admin');
  });
});
