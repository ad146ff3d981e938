/**
 * The REST routes for exports, driven from the OpenAPI document alone: every call's method and path
 * come from /api/openapi.json by operationId (through openapi-fetch), the document is run through
 * openapi-typescript as a generator would, and every error answer is compared with the catalog and
 * with the document's error schema.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import createOpenApiClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { exports } from '../../drizzle/schema';
import { type ErrorCode, errorCatalog } from '../../shared/errors';
import { startTestApp, type TestApp } from '../testing/test-app';

type Method = 'get' | 'post';
interface Operation {
  method: Method;
  path: string;
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<
    string,
    Partial<Record<Method, { operationId?: string; responses: Record<string, unknown> }>>
  >;
  components: { schemas: { StructuredError: { properties: { code: { enum: string[] } } } } };
}

let app: TestApp;
let document: OpenApiDocument;
let exporterKey: string;
let readOnlyKey: string;

before(async () => {
  app = await startTestApp({ exports: true });
  const admin = await app.loginAs('admin@acme.test');
  exporterKey = (
    await admin.apiKeys.create.mutate({ name: 'rest', scopes: ['exports:read', 'exports:write'] })
  ).key;
  readOnlyKey = (await admin.apiKeys.create.mutate({ name: 'rest-ro', scopes: ['exports:read'] })).key;
  document = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as OpenApiDocument;
});
after(() => app.close());

/** The method and path of an operation, found in the document by its operationId. */
function operation(operationId: string): Operation {
  for (const [path, item] of Object.entries(document.paths))
    for (const method of ['get', 'post'] as const) {
      const candidate = item[method];
      if (candidate?.operationId === operationId) return { method, path, responses: candidate.responses };
    }
  assert.fail(`no operation ${operationId} in the document`);
}

interface CallOptions {
  key?: string | undefined;
  pathParams?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls an operation through openapi-fetch, which builds the URL from the document's path template. */
async function call(operationId: string, options: CallOptions = {}) {
  const { method, path, responses } = operation(operationId);
  const client = createOpenApiClient({ baseUrl: app.url, redirect: 'manual' });
  const init = {
    params: { path: options.pathParams ?? {}, query: options.query ?? {} },
    headers: {
      ...(options.key ? { Authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    parseAs: 'text' as const,
  };
  // biome-ignore lint/suspicious/noExplicitAny: the client is untyped here on purpose: the document drives it
  const untyped = client as any;
  const { data, error, response } = await (method === 'get'
    ? untyped.GET(path, init)
    : untyped.POST(path, init));
  // openapi-fetch hands a success over as text (parseAs) and parses an error's JSON itself.
  const body = typeof data === 'string' && data ? JSON.parse(data) : error || undefined;
  return { response: response as Response, body, responses };
}

/** The answer is the catalog's error: status, type and code as in shared/errors.ts and in the document. */
function assertCatalogError(result: Awaited<ReturnType<typeof call>>, code: ErrorCode) {
  const spec = errorCatalog[code];
  assert.equal(result.body?.code, code, JSON.stringify(result.body));
  assert.equal(result.response.status, spec.status);
  assert.equal(result.body.status_code, spec.status);
  assert.equal(result.body.type, spec.type);
  assert.equal(typeof result.body.message, 'string');
  assert.ok(document.components.schemas.StructuredError.properties.code.enum.includes(code));
  const documented = Object.keys(result.responses);
  assert.ok(
    documented.includes(String(spec.status)) || documented.includes(`${String(spec.status)[0]}XX`),
    `${spec.status} is among the documented answers (${documented.join(', ')})`,
  );
}

async function waitUntilSettled(id: string) {
  for (;;) {
    const { body } = await call('exportStatus', { key: exporterKey, pathParams: { id } });
    if (['completed', 'failed', 'cancelled', 'expired'].includes(body.status)) return body;
    await sleep(50);
  }
}

test('openapi-typescript generates a client from the served document: the export operations are in it', async () => {
  const generated = astToString(await openapiTS(JSON.stringify(document)));
  for (const path of ['/api/v1/exports', '/api/v1/exports/{id}', '/api/v1/exports/{id}/download'])
    assert.ok(generated.includes(`"${path}"`), path);
  assert.match(generated, /startExport: \{/);
});

test('start → poll → download, as the document describes it; Idempotency-Key answers the same export', async () => {
  const request = { object: 'people', format: 'csv', columns: ['first_name', 'last_name', 'email'] };
  const started = await call('startExport', {
    key: exporterKey,
    body: request,
    headers: { 'Idempotency-Key': 'rest-test-1' },
  });
  assert.equal(started.response.status, 201, JSON.stringify(started.body));
  assert.equal(started.body.status, 'queued');
  assert.equal(started.response.headers.get('location'), `/api/v1/exports/${started.body.id}`);

  const again = await call('startExport', {
    key: exporterKey,
    body: request,
    headers: { 'Idempotency-Key': 'rest-test-1' },
  });
  assert.equal(again.body.id, started.body.id);

  const finished = await waitUntilSettled(started.body.id);
  assert.equal(finished.status, 'completed');
  assert.equal(finished.percent, 100);

  const download = await call('downloadExport', { key: exporterKey, pathParams: { id: started.body.id } });
  assert.equal(download.response.status, 302);
  const link = download.response.headers.get('location') ?? '';
  assert.match(link, /\/api\/exports\/[0-9a-f-]{36}\/download\?token=/);
  const file = await fetch(link);
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-disposition') ?? '', /attachment/);
  const csv = await file.text();
  assert.match(csv.replace(/^\uFEFF/, '').split('\r\n')[0] ?? '', /first_name|First name/i);
  assert.ok(csv.split('\r\n').length > 2, 'a header and rows');

  const listed = await call('listExports', { key: exporterKey, query: { limit: 1 } });
  assert.equal(listed.response.status, 200);
  assert.equal(listed.body.exports.length, 1);
  assert.equal(listed.body.exports[0].id, started.body.id);

  const cancelled = await call('cancelExport', { key: exporterKey, pathParams: { id: started.body.id } });
  assert.equal(cancelled.response.status, 200);
  assert.equal(cancelled.body.status, 'completed', 'cancelling a finished export changes nothing');
});

test('errors, one of each kind, are the catalog’s flat structured error', async () => {
  const unknownId = '00000000-0000-4000-8000-000000000000';
  assertCatalogError(await call('exportStatus', { pathParams: { id: unknownId } }), 'UNAUTHORIZED');
  assertCatalogError(
    await call('exportStatus', { key: exporterKey, pathParams: { id: unknownId } }),
    'NOT_FOUND',
  );
  assertCatalogError(
    await call('exportStatus', { key: exporterKey, pathParams: { id: 'nope' } }),
    'VALIDATION_ERROR',
  );
  assertCatalogError(
    await call('startExport', { key: readOnlyKey, body: { object: 'people', format: 'csv' } }),
    'FORBIDDEN',
  );
  assertCatalogError(
    await call('startExport', { key: exporterKey, body: { object: 'people', format: 'docx' } }),
    'VALIDATION_ERROR',
  );
  assertCatalogError(
    await call('startExport', {
      key: exporterKey,
      body: { object: 'people', format: 'csv', filter: { no_such_attribute: 'x' } },
    }),
    'INVALID_FILTER',
  );
  assertCatalogError(
    await call('startExport', {
      key: exporterKey,
      body: JSON.stringify({ object: 'people', format: 'csv' }),
      headers: { 'Content-Type': 'text/plain' },
    }),
    'UNSUPPORTED_MEDIA_TYPE',
  );
  assertCatalogError(
    await call('listExports', { key: exporterKey, query: { limit: 1000 } }),
    'VALIDATION_ERROR',
  );

  // No file yet (a running export): 409; a deleted file: 410. The states are set directly: a demo
  // workspace's export finishes too fast to be caught running.
  const started = await call('startExport', { key: exporterKey, body: { object: 'people', format: 'csv' } });
  await waitUntilSettled(started.body.id);
  await app.database.db.update(exports).set({ status: 'running' }).where(eq(exports.id, started.body.id));
  assertCatalogError(
    await call('downloadExport', { key: exporterKey, pathParams: { id: started.body.id } }),
    'EXPORT_NOT_READY',
  );
  await app.database.db.update(exports).set({ status: 'expired' }).where(eq(exports.id, started.body.id));
  assertCatalogError(
    await call('downloadExport', { key: exporterKey, pathParams: { id: started.body.id } }),
    'EXPORT_EXPIRED',
  );
});

test('the REST routes spend the same rate limit as tRPC: over it, 429 with Retry-After', async () => {
  const limited = await startTestApp({ env: { RATE_LIMIT_READS_PER_SECOND: '1' } });
  try {
    const admin = await limited.loginAs('admin@acme.test');
    const { key } = await admin.apiKeys.create.mutate({ name: 'limited', scopes: ['exports:read'] });
    // Sent at once, so that however slow the machine, two of them land in one second's budget of 1.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${limited.url}/api/v1/exports`, { headers: { Authorization: `Bearer ${key}` } }),
      ),
    );
    const refused = answers.find((answer) => answer.status === 429);
    assert.ok(refused, 'ten reads at once are over a limit of 1 a second');
    const body = await refused.json();
    assert.equal(body.code, 'RATE_LIMIT_EXCEEDED');
    assert.equal(body.type, errorCatalog.RATE_LIMIT_EXCEEDED.type);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
  } finally {
    await limited.close();
  }
});

test('a session cookie authenticates as on tRPC, and the role guard applies: a viewer lists but cannot start', async () => {
  const viewerCookie = await app.sessionCookieFor('viewer@acme.test');
  const listed = await call('listExports', { headers: { Cookie: viewerCookie } });
  assert.equal(listed.response.status, 200);
  assert.deepEqual(listed.body.exports, [], 'a viewer sees only their own exports');
  const refused = await call('startExport', {
    headers: { Cookie: viewerCookie },
    body: { object: 'people', format: 'csv' },
  });
  assertCatalogError(refused, 'FORBIDDEN');
  assert.equal(refused.body.details.required_role, 'member');
});
