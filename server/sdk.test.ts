import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// The SDK's entry from source; scripts/test-sdk-package.mjs (npm run test:sdk) checks the packed package.
import { createClient, type ErrorCode, errorCatalog, type RouterOutputs, structuredErrorOf } from './sdk';
import { startTestApp, type TestApp } from './testing/test-app';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

test('a typed client with an API key: outputs typed, errors structured', async () => {
  const admin = await app.loginAs('admin@acme.test');
  const { key } = await admin.apiKeys.create.mutate({ name: 'sdk', scopes: ['records:read'] });
  const crm = createClient({ url: app.url, apiKey: key });
  const me: RouterOutputs['auth']['me'] = await crm.auth.me.query();
  assert.equal(me.workspace.slug, 'acme');
  assert.deepEqual(me.scopes, ['records:read']);

  try {
    await crm.people.get.query({ id: '00000000-0000-4000-8000-000000000000' });
    assert.fail('expected NOT_FOUND');
  } catch (error) {
    const structured = structuredErrorOf(error);
    const code: ErrorCode | undefined = structured?.code;
    assert.equal(code, 'NOT_FOUND');
    assert.equal(structured?.status_code, errorCatalog.NOT_FOUND.status);
  }
});

test('structuredErrorOf answers undefined for what is not a structured error', () => {
  assert.equal(structuredErrorOf(new Error('network down')), undefined);
  assert.equal(structuredErrorOf('nope'), undefined);
});
