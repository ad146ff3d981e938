import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { errorCodes } from '../../shared/errors';
import { appRouter } from '../router';
import { startTestApp, type TestApp } from '../testing/test-app';
import { buildOpenApiDocument, renderOpenApiJson } from './openapi-document';
import type { JsonObject } from './openapi-parts';

let app: TestApp;
before(async () => {
  app = await startTestApp({ seed: false });
});
after(() => app.close());

test('docs/openapi.json is what the router and the schemas generate (run `npm run docs:openapi` after changing them)', () => {
  const committed = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
  assert.equal(committed, renderOpenApiJson());
});

test('the document is valid OpenAPI 3.1 for an OpenAPI parser (every $ref resolves)', async () => {
  const result = await validate(structuredClone(buildOpenApiDocument()) as never);
  assert.deepEqual(result.valid ? [] : result.errors, []);
  assert.equal(result.valid, true);
});

test('every tRPC procedure and every REST export route is described, and the error body lists every catalog code', () => {
  const document = buildOpenApiDocument() as { paths: Record<string, JsonObject>; components: JsonObject };
  const procedures = Object.keys((appRouter._def as unknown as { procedures: JsonObject }).procedures);
  for (const name of procedures) assert.ok(document.paths[`/trpc/${name}`], `/trpc/${name} is missing`);
  for (const path of [
    '/api/v1/exports',
    '/api/v1/exports/{id}',
    '/api/v1/exports/{id}/cancel',
    '/api/v1/exports/{id}/download',
  ])
    assert.ok(document.paths[path], `${path} is missing`);
  const schemas = document.components.schemas as Record<string, { properties: Record<string, JsonObject> }>;
  assert.deepEqual(schemas.StructuredError?.properties.code?.enum, errorCodes);
  assert.equal(
    (document.paths['/trpc/auth.login'] as { post: { security: unknown[] } }).post.security.length,
    0,
    'logging in needs no credentials',
  );
});

test('GET /api/openapi.json serves the document', async () => {
  const response = await fetch(`${app.url}/api/openapi.json`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await response.json(), JSON.parse(renderOpenApiJson()));
});

test('/api/docs is Swagger UI from this origin: no inline script, nothing from another host, its files served', async () => {
  const response = await fetch(`${app.url}/api/docs`);
  assert.equal(response.status, 200);
  const html = await response.text();
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attributes, body] of scripts) {
    assert.equal(body?.trim(), '', 'no inline script (the Content-Security-Policy forbids it)');
    assert.match(attributes ?? '', /src="\/api\/docs\//);
  }
  assert.doesNotMatch(html, /https?:\/\//, 'nothing loaded from another origin');
  for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '')) {
    const served = await fetch(`${app.url}${asset}`);
    assert.equal(served.status, 200, asset);
    assert.ok((await served.arrayBuffer()).byteLength > 0, asset);
  }
  const init = await (await fetch(`${app.url}/api/docs/init.js`)).text();
  assert.match(init, /url: '\/api\/openapi\.json'/);
});
