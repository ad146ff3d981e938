/**
 * The abuse suite's cases: the findings of issue 9 by name, then families generated with fast-check from
 * a printed seed (the same seed gives the same cases). Every case is a raw request; what "pass" means is
 * decided by the runner: no 5xx, every error in the structured shape, the server still answering.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http';

export interface AbuseCase {
  family: string;
  request: RawRequest;
}

/** What the runner learnt from the server before the cases are made. */
export interface Credentials {
  adminCookie: string;
  viewerCookie: string;
  apiKey: string;
  personId: string;
  viewId: string;
  exportId: string;
}

export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
}

const jsonHeaders: [string, string][] = [['Content-Type', 'application/json']];

function trpcCall(
  procedure: ProcedureInfo,
  input: unknown,
  auth: [string, string][],
  rawInput?: string,
): RawRequest {
  const text = rawInput ?? (input === undefined ? undefined : JSON.stringify(input));
  if (procedure.type === 'query') {
    return {
      method: 'GET',
      target: `/trpc/${procedure.path}${text === undefined ? '' : `?input=${encodeURIComponent(text)}`}`,
      headers: auth,
    };
  }
  const body = Buffer.from(text ?? '');
  return {
    method: 'POST',
    target: `/trpc/${procedure.path}`,
    headers: [...jsonHeaders, ['Content-Length', String(body.length)], ...auth],
    body,
  };
}

function deepFilter(depth: number): unknown {
  let filter: unknown = { first_name: 'Ada' };
  for (let level = 0; level < depth; level++) filter = { $and: [filter] };
  return filter;
}

/** Issue 9 §1, each as a request. */
export function namedCases(credentials: Credentials, procedures: ProcedureInfo[]): AbuseCase[] {
  const session: [string, string][] = [['Cookie', credentials.adminCookie]];
  const key: [string, string][] = [['Authorization', `Bearer ${credentials.apiKey}`]];
  const byPath = new Map(procedures.map((procedure) => [procedure.path, procedure]));
  const call = (path: string, input: unknown, auth = session) => {
    const procedure = byPath.get(path);
    if (!procedure) throw new Error(`no procedure ${path}`);
    return trpcCall(procedure, input, auth);
  };
  const hundredMb = 100 * 1024 * 1024;
  const cases: AbuseCase[] = [
    { family: 'named', request: { method: 'GET', target: '/%E0%A4%A', headers: [] } },
    { family: 'named', request: { method: 'GET', target: '/trpc/%E0%A4%A', headers: [] } },
    { family: 'named', request: { method: 'GET', target: '/api/%E0%A4%A', headers: [] } },
    {
      family: 'named',
      request: {
        method: 'POST',
        target: '/trpc/auth.login',
        headers: [...jsonHeaders, ['Content-Length', String(hundredMb)]],
        body: Buffer.alloc(64 * 1024, 0x20),
        truncateAfter: 64 * 1024,
      },
    },
    { family: 'named', request: call('apiKeys.create', { name: 'escalate', scopes: ['keys:write'] }, key) },
    { family: 'named', request: call('people.count', { filters: { tags: 'vip' } }) },
    {
      family: 'named',
      request: call('startExport', {
        object: 'people',
        format: 'csv',
        dateRange: { attribute: 'created_at', form: '2026-01-01' },
      }),
    },
    { family: 'named', request: call('people.count', undefined, session) },
    {
      family: 'named',
      request: trpcCall(
        byPath.get('people.count') as ProcedureInfo,
        undefined,
        session,
        '{"filter":{"__proto__":{"x":1}}}',
      ),
    },
    {
      family: 'named',
      request: call('startExport', { object: 'people', format: 'csv', idempotencyKey: 'a\u0000b' }),
    },
    { family: 'named', request: call('views.create', { object: 'people', name: 'x\ud800y' }) },
    {
      family: 'named',
      request: {
        method: 'POST',
        target: '/trpc/startExport',
        headers: [...jsonHeaders, ...session],
        body: Buffer.from(
          `{"object":"people","format":"csv","filter":{"$or":[${Array.from({ length: 150_000 }, () => '{}').join(',')}]}}`,
        ),
      },
    },
    { family: 'named', request: call('listExports', { cursor: Buffer.from('x|y').toString('base64url') }) },
    { family: 'named', request: call('people.list', { filter: deepFilter(200) }) },
    ...['PUT', 'DELETE', 'PATCH'].map((method) => ({
      family: 'named',
      request: { method, target: '/trpc/auth.me', headers: session },
    })),
    {
      family: 'named',
      request: {
        method: 'POST',
        target: '/trpc/auth.login',
        headers: [['Content-Type', 'text/xml']],
        body: Buffer.from('<a/>'),
      },
    },
    {
      family: 'named',
      request: {
        method: 'GET',
        target: `/trpc/${Array.from({ length: 60 }, () => 'auth.me').join(',')}?batch=1`,
        headers: session,
      },
    },
    {
      family: 'named',
      request: { method: 'GET', target: `/trpc/auth.me?x=${'a'.repeat(20_000)}`, headers: [] },
    },
    {
      family: 'named',
      request: {
        method: 'GET',
        target: '/trpc/auth.me',
        headers: [['Cookie', `a=%E0%A4%A; ${credentials.adminCookie}`]],
      },
    },
  ];
  return cases;
}

const pathPieces = [
  '%',
  '%E0',
  '%A4%A',
  '%ZZ',
  '%00',
  '%2e%2e',
  '%2F',
  '%C0%AE',
  '..',
  '/',
  '//',
  '\\',
  'trpc',
  'api',
  'assets',
  'exports',
  'download',
  'index.html',
  'people',
  '.map',
  'é',
  '😀',
  '\u0000',
  ';',
  '?',
  '#',
  '&input=',
  '{}',
  'health',
  'v1',
  'openapi.json',
  'docs',
];

/** Paths with broken escapes, traversal and odd characters, under every prefix. */
function pathCases(): fc.Arbitrary<AbuseCase> {
  return fc
    .record({
      prefix: fc.constantFrom(
        '/',
        '/trpc/',
        '/api/',
        '/assets/',
        '/api/exports/',
        '/api/v1/exports/',
        '/people/',
      ),
      pieces: fc.array(fc.oneof(fc.constantFrom(...pathPieces), fc.string({ maxLength: 6 })), {
        maxLength: 12,
      }),
      method: fc.constantFrom('GET', 'HEAD', 'POST'),
    })
    .map(({ prefix, pieces, method }) => {
      // Bytes that HTTP forbids in a request target are sent percent-encoded; the rest as they are.
      const target = `${prefix}${pieces.join('')}`.replace(/[^\x21-\x7e]/gu, (char) =>
        encodeURIComponent(char),
      );
      return { family: 'paths', request: { method, target, headers: [] } };
    });
}

const headerNames = [
  'Cookie',
  'Authorization',
  'X-Request-Id',
  'Content-Type',
  'Accept',
  'Accept-Encoding',
  'Origin',
  'Referer',
  'X-Forwarded-For',
  'If-None-Match',
  'Range',
  'Expect',
  'Upgrade',
];

/** Odd and huge headers and cookies on every kind of route. */
function headerCases(credentials: Credentials): fc.Arbitrary<AbuseCase> {
  const headerValue = fc.oneof(
    fc
      .string({ maxLength: 40 })
      .map((value) =>
        value.replaceAll('\r', ' ').replaceAll('\n', ' ').replaceAll(String.fromCharCode(0), ' '),
      ),
    fc.constantFrom(
      'Bearer ',
      'Bearer crm_',
      `Bearer ${credentials.apiKey}x`,
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${'a'.repeat(5000)}`,
      'crm_session=%E0%A4%A',
      `${credentials.adminCookie}; crm_session=%ZZ`,
      'a=b; a=c; =d; ;;',
      'crm_session=',
      '100-continue',
      'bytes=0-1,5-',
      'websocket',
      '../../etc/passwd',
    ),
    fc.integer({ min: 1, max: 30_000 }).map((size) => 'x'.repeat(size)),
  );
  return fc
    .record({
      target: fc.constantFrom(
        '/',
        '/people',
        '/trpc/auth.me',
        '/trpc/people.list',
        '/api/health',
        '/api/exports/x/download',
      ),
      headers: fc.array(fc.tuple(fc.constantFrom(...headerNames), headerValue), { maxLength: 6 }),
      many: fc.integer({ min: 0, max: 150 }),
    })
    .map(({ target, headers, many }) => ({
      family: 'headers',
      request: {
        method: 'GET',
        target,
        headers: [
          ...headers,
          ...Array.from({ length: many }, (_, index): [string, string] => [
            `X-Filler-${index}`,
            String(index),
          ]),
        ],
      },
    }));
}

const methods = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'M-SEARCH',
  'PURGE',
];
const methodTargets = [
  '/',
  '/people',
  '/trpc/auth.me',
  '/trpc/startExport',
  '/trpc/people.list',
  '/api/health',
  '/api/exports/00000000-0000-0000-0000-000000000000/download',
  '/api/v1/exports',
  '/api/openapi.json',
  '/api/docs',
  '/assets/none.js',
];

function methodCases(credentials: Credentials): fc.Arbitrary<AbuseCase> {
  return fc
    .record({
      method: fc.constantFrom(...methods),
      target: fc.constantFrom(...methodTargets),
      authed: fc.boolean(),
    })
    .map(({ method, target, authed }) => ({
      family: 'methods',
      request: {
        method,
        target,
        headers: authed ? [['Cookie', credentials.adminCookie] as [string, string]] : [],
      },
    }));
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'text/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
  ';;',
  '',
];

function contentTypeCases(credentials: Credentials): fc.Arbitrary<AbuseCase> {
  const body = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '{"email":"admin@acme.test","password":"x"}',
      '{',
      '[]',
      'null',
      '',
      'a=1&b=2',
      '--x\r\n\r\n--x--',
    ),
  );
  return fc
    .record({
      contentType: fc.constantFrom(...contentTypes),
      target: fc.constantFrom(
        '/trpc/auth.login',
        '/trpc/startExport',
        '/trpc/views.create',
        '/api/v1/exports',
        '/api/health',
      ),
      body,
    })
    .map(({ contentType, target, body: text }) => {
      const bytes = Buffer.from(text);
      return {
        family: 'content-types',
        request: {
          method: 'POST',
          target,
          headers: [
            ...(contentType ? [['Content-Type', contentType] as [string, string]] : []),
            ['Content-Length', String(bytes.length)] as [string, string],
            ['Cookie', credentials.adminCookie] as [string, string],
          ],
          body: bytes,
        },
      };
    });
}

/** Bodies larger than the limit, declared or chunked, bodies cut short, and lengths that lie. */
function bodySizeCases(credentials: Credentials): fc.Arbitrary<AbuseCase> {
  return fc
    .record({
      kind: fc.constantFrom('declared-huge', 'chunked-huge', 'truncated', 'short-declared', 'bad-chunks'),
      size: fc.integer({ min: 1, max: 3 * 1024 * 1024 }),
      target: fc.constantFrom('/trpc/auth.login', '/trpc/startExport', '/api/v1/exports'),
    })
    .map(({ kind, size, target }): AbuseCase => {
      const auth: [string, string] = ['Cookie', credentials.adminCookie];
      const body = Buffer.from(`{"object":"people","format":"csv","idempotencyKey":"${'k'.repeat(size)}"}`);
      switch (kind) {
        case 'declared-huge':
          return {
            family: 'bodies',
            request: {
              method: 'POST',
              target,
              headers: [...jsonHeaders, ['Content-Length', String(body.length)], auth],
              body,
            },
          };
        case 'chunked-huge':
          return {
            family: 'bodies',
            request: {
              method: 'POST',
              target,
              headers: [...jsonHeaders, ['Transfer-Encoding', 'chunked'], auth],
              body: Buffer.concat([
                Buffer.from(`${body.length.toString(16)}\r\n`),
                body,
                Buffer.from('\r\n0\r\n\r\n'),
              ]),
            },
          };
        case 'truncated':
          return {
            family: 'bodies',
            request: {
              method: 'POST',
              target,
              headers: [...jsonHeaders, ['Content-Length', String(body.length)], auth],
              body,
              truncateAfter: Math.floor(body.length / 2),
            },
          };
        case 'short-declared':
          return {
            family: 'bodies',
            request: {
              method: 'POST',
              target,
              headers: [...jsonHeaders, ['Content-Length', String(Math.min(10, body.length))], auth],
              body: body.subarray(0, 200),
            },
          };
        default:
          return {
            family: 'bodies',
            request: {
              method: 'POST',
              target,
              headers: [...jsonHeaders, ['Transfer-Encoding', 'chunked'], auth],
              body: Buffer.from('zz\r\n{}\r\n-1\r\n\r\n'),
            },
          };
      }
    });
}

function batchCases(credentials: Credentials, procedures: ProcedureInfo[]): fc.Arbitrary<AbuseCase> {
  const queries = procedures
    .filter((procedure) => procedure.type === 'query')
    .map((procedure) => procedure.path);
  return fc
    .record({
      paths: fc.array(fc.oneof(fc.constantFrom(...queries), fc.string({ maxLength: 10 })), {
        minLength: 1,
        maxLength: 60,
      }),
      inputs: fc.oneof(
        fc.jsonValue(),
        fc.dictionary(fc.constantFrom('0', '1', '2', '49', '-1', 'x'), fc.jsonValue()),
      ),
      post: fc.boolean(),
    })
    .map(({ paths, inputs, post }) => {
      const list = paths.map((path) => encodeURIComponent(path)).join(',');
      const input = JSON.stringify(inputs) ?? 'null';
      return {
        family: 'batches',
        request: post
          ? {
              method: 'POST',
              target: `/trpc/${list}?batch=1`,
              headers: [...jsonHeaders, ['Cookie', credentials.adminCookie] as [string, string]],
              body: Buffer.from(input),
            }
          : {
              method: 'GET',
              target: `/trpc/${list}?batch=1&input=${encodeURIComponent(input)}`,
              headers: [['Cookie', credentials.adminCookie] as [string, string]],
            },
      };
    });
}

/** A valid input of each procedure, the seed its mutations start from. */
function baseInputs(credentials: Credentials): Record<string, unknown> {
  const filter = { $or: [{ tags: 'vip' }, { created_at: { $gte: '2026-01-01' } }] };
  const records = (object: string) => ({
    [`${object}.list`]: { filter, sort: [{ attribute: 'created_at', direction: 'desc' }], limit: 5 },
    [`${object}.count`]: { filter },
    [`${object}.get`]: { id: credentials.personId },
    [`${object}.assert`]: {
      matching_attribute: 'email',
      values: { email: 'abuse@acme.test', first_name: 'Abuse' },
    },
  });
  return {
    ...records('people'),
    ...records('companies'),
    ...records('conversations'),
    ...records('activities'),
    'auth.login': { email: 'admin@acme.test', password: 'wrong-password' },
    'apiKeys.create': { name: 'abuse', scopes: ['records:read'] },
    'apiKeys.revoke': { id: '00000000-0000-0000-0000-000000000000' },
    'views.list': { object: 'people' },
    'views.get': { id: credentials.viewId },
    'views.create': { object: 'people', name: 'Abuse view', filter, columns: ['first_name'] },
    'views.update': { id: credentials.viewId, name: 'Renamed' },
    'views.delete': { id: '00000000-0000-0000-0000-000000000000' },
    startExport: {
      object: 'people',
      format: 'csv',
      filter,
      dateRange: { attribute: 'created_at', from: '2026-01-01', to: '2026-12-31' },
      columns: ['first_name', 'email'],
      options: { timezone: 'Europe/Paris' },
      notify: { email: false },
    },
    exportStatus: { exportId: credentials.exportId },
    cancelExport: { exportId: '00000000-0000-0000-0000-000000000000' },
    downloadExport: { exportId: credentials.exportId },
    listExports: { limit: 5 },
  };
}

const hostileStrings = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '😀',
  "'; drop table people; --",
  '=HYPERLINK("http://evil")',
  '%E0%A4%A',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  'x'.repeat(5000),
  '',
  ' ',
  '2026-02-30',
  '1e309',
  '-0',
  'NaN',
];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, -1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, [], {}, [[[]]]),
  fc.constantFrom(...hostileStrings).map((key) => ({ [key]: { $eq: 'x' } })),
  fc.integer({ min: 1, max: 300 }).map((depth) => deepFilter(depth)),
  fc.integer({ min: 1, max: 5000 }).map((width) => ({ $or: Array.from({ length: width }, () => ({})) })),
  fc
    .integer({ min: 1, max: 3000 })
    .map((width) => ({ tags: { $in: Array.from({ length: width }, (_, i) => `t${i}`) } })),
);

/** Applies one mutation to a JSON object: a field replaced, removed, added, or the whole replaced. */
function mutate(
  base: unknown,
  mutation: { kind: number; key: string; value: unknown; pick: number },
): unknown {
  if (!base || typeof base !== 'object' || Array.isArray(base)) return mutation.value;
  const keys = Object.keys(base);
  const target = keys[mutation.pick % Math.max(1, keys.length)];
  const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  switch (mutation.kind % 6) {
    case 0:
      if (target) copy[target] = mutation.value;
      return copy;
    case 1:
      if (target) delete copy[target];
      return copy;
    case 2:
      copy[mutation.key] = mutation.value;
      return copy;
    case 3:
      if (target && copy[target] && typeof copy[target] === 'object')
        copy[target] = mutate(copy[target], { ...mutation, kind: mutation.kind + 1 });
      return copy;
    case 4:
      return mutation.value;
    default:
      return copy;
  }
}

const unknownKeys = ['filters', 'form', 'extra', '__proto__', 'constructor', 'prototype', '', '$where', 'id'];

/** Up to three mutations of a valid input: fields replaced, removed or added with hostile values. */
const mutationsArbitrary = fc.array(
  fc.record({
    kind: fc.nat(),
    key: fc.oneof(fc.constantFrom(...unknownKeys), fc.string({ maxLength: 8 })),
    value: hostileValue,
    pick: fc.nat(),
  }),
  { maxLength: 3 },
);

function procedureCases(credentials: Credentials, procedures: ProcedureInfo[]): fc.Arbitrary<AbuseCase> {
  const bases = baseInputs(credentials);
  const callable = procedures.filter((procedure) => procedure.type !== 'subscription');
  const auths: [string, string][][] = [
    [],
    [['Cookie', credentials.adminCookie]],
    [['Cookie', credentials.viewerCookie]],
    [['Authorization', `Bearer ${credentials.apiKey}`]],
  ];
  return fc
    .record({
      procedure: fc.constantFrom(...callable),
      mutations: mutationsArbitrary,
      auth: fc.nat({ max: auths.length - 1 }),
      raw: fc.option(
        fc.constantFrom('{', '{"a":', 'nul', '[1,2', '"\\ud800"', '{"__proto__":{"isAdmin":true}}'),
        {
          freq: 8,
        },
      ),
    })
    .map(({ procedure, mutations, auth, raw }) => {
      // Logging out the suite's own session would only make later cases anonymous.
      const authHeaders = procedure.path === 'auth.logout' ? [] : (auths[auth] ?? []);
      const input = mutations.reduce((current, mutation) => mutate(current, mutation), bases[procedure.path]);
      return {
        family: 'procedures',
        request: trpcCall(procedure, input, authHeaders, raw ?? undefined),
      };
    });
}

/** The REST shape (`/api/v1/exports…`): mutated bodies, ids, cursors and headers. */
function restCases(credentials: Credentials): fc.Arbitrary<AbuseCase> {
  const base = baseInputs(credentials).startExport;
  const id = fc.oneof(
    fc.constant(credentials.exportId),
    fc.uuid(),
    fc.constantFrom('x', '%E0%A4%A', '..%2F..', '00000000-0000-0000-0000-00000000000g', ''),
  );
  return fc
    .record({
      route: fc.constantFrom('start', 'list', 'get', 'cancel', 'download'),
      id,
      mutations: mutationsArbitrary,
      query: fc.dictionary(fc.constantFrom('cursor', 'limit', 'status', 'x'), fc.string({ maxLength: 20 }), {
        maxKeys: 3,
      }),
      idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a'.repeat(300))), {
        nil: undefined,
      }),
      auth: fc.constantFrom<[string, string][]>(
        [],
        [['Authorization', `Bearer ${credentials.apiKey}`]],
        [['Cookie', credentials.viewerCookie]],
      ),
    })
    .map(({ route, id: exportId, mutations, query, idempotencyKey, auth }): AbuseCase => {
      const search = new URLSearchParams(query).toString();
      const headers: [string, string][] = [...auth];
      if (idempotencyKey !== undefined)
        headers.push(['Idempotency-Key', idempotencyKey.replaceAll('\r', '').replaceAll('\n', '')]);
      if (route === 'start') {
        const body = Buffer.from(
          JSON.stringify(mutations.reduce((input, m) => mutate(input, m), base)) ?? '',
        );
        return {
          family: 'rest',
          request: {
            method: 'POST',
            target: '/api/v1/exports',
            headers: [...jsonHeaders, ['Content-Length', String(body.length)], ...headers],
            body,
          },
        };
      }
      const path =
        route === 'list'
          ? '/api/v1/exports'
          : `/api/v1/exports/${exportId}${route === 'get' ? '' : `/${route}`}`;
      return {
        family: 'rest',
        request: {
          method: route === 'cancel' ? 'POST' : 'GET',
          target: `${path}${search ? `?${search}` : ''}`,
          headers,
        },
      };
    });
}

/** All generated cases for `seed`, `count` in all, spread over the families. */
export function generatedCases(
  credentials: Credentials,
  procedures: ProcedureInfo[],
  seed: number,
  count: number,
): AbuseCase[] {
  const families: [fc.Arbitrary<AbuseCase>, number][] = [
    [pathCases(), 0.14],
    [headerCases(credentials), 0.12],
    [methodCases(credentials), 0.08],
    [contentTypeCases(credentials), 0.08],
    [bodySizeCases(credentials), 0.03],
    [batchCases(credentials, procedures), 0.05],
    [procedureCases(credentials, procedures), 0.42],
    [restCases(credentials), 0.08],
  ];
  return families.flatMap(([arbitrary, share], index) =>
    fc.sample(arbitrary, { seed: seed + index, numRuns: Math.ceil(count * share) }),
  );
}
