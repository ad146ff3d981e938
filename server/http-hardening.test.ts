/**
 * Issue 9's findings about the HTTP edge, each over raw HTTP (a socket where fetch would fix the request
 * up): every one of these crashed the process, answered 500, or was silently misread before.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from './project-root';
import { startTestApp, type TestApp } from './testing/test-app';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are and reads the answer until the server closes or the body is complete. */
function rawRequest(url: string, request: string | Buffer): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    // A request the server choked on gets no answer at all: fail instead of waiting forever.
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error('no answer within 10 s'));
    });
    const chunks: Buffer[] = [];
    const parse = (): RawAnswer | undefined => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = text.slice(end + 4);
      const length = Number(headers['content-length']);
      if (Number.isFinite(length) && Buffer.byteLength(body) < length) return undefined;
      return { status: Number(statusLine.split(' ')[1]), headers, body };
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const answer = parse();
      if (answer) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = parse();
      if (answer) resolve(answer);
      else reject(new Error(`connection closed without an answer: ${Buffer.concat(chunks).toString()}`));
    });
    socket.write(request);
  });
}

function structured(answer: { body: string }) {
  const body = JSON.parse(answer.body) as Record<string, unknown> & {
    error?: { data: Record<string, unknown> };
  };
  return (body.error?.data ?? body) as {
    status_code: number;
    type: string;
    code: string;
    message: string;
    details?: Record<string, unknown>;
  };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('HTTP edge: malformed and hostile requests get structured answers', () => {
  let app: TestApp;
  let adminCookie: string;

  before(async () => {
    app = await startTestApp({ env: { MAX_BODY_BYTES: '600000' } });
    adminCookie = await app.sessionCookieFor('admin@acme.test');
  });
  after(() => app.close());

  async function stillAnswering() {
    const health = await fetch(`${app.url}/api/health`);
    assert.equal(health.status, 200);
  }

  test('a broken percent-escape in the path is a 400, and the process keeps serving', async () => {
    for (const target of ['/%E0%A4%A', '/people/%E0%A4%A', '/api/exports/%ZZ/download', '/trpc/%E0%A4%A']) {
      const answer = await rawRequest(
        app.url,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer.status, 400, target);
      const error = structured(answer);
      assert.equal(error.status_code, 400);
      assert.equal(error.code, 'VALIDATION_ERROR');
    }
    await stillAnswering();
  });

  test('an absolute or asterisk request target is a 400, not a crash', async () => {
    for (const target of ['*', 'http://evil.test/trpc/auth.me', '//evil.test/x']) {
      const answer = await rawRequest(
        app.url,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer.status, 400, target);
      assert.equal(structured(answer).code, 'VALIDATION_ERROR');
    }
    await stillAnswering();
  });

  test('a malformed cookie beside the session cookie does not break the call', async () => {
    const response = await fetch(`${app.url}/trpc/auth.me`, {
      headers: { Cookie: `tracker=%E0%A4%A; ${adminCookie}; other=%` },
    });
    assert.equal(response.status, 200);
  });

  test('PUT, DELETE and PATCH on /trpc are 405 with Allow; OPTIONS answers what is allowed', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${app.url}/trpc/auth.me`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, POST');
      const error = (await response.json()) as { code: string; status_code: number };
      assert.equal(error.code, 'METHOD_NOT_ALLOWED');
    }
    const options = await fetch(`${app.url}/trpc/auth.me`, { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    const onApi = await fetch(`${app.url}/api/health`, { method: 'DELETE' });
    assert.equal(onApi.status, 405);
    assert.equal(((await onApi.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
    const onClient = await fetch(`${app.url}/people`, { method: 'POST' });
    assert.equal(onClient.status, 405);
  });

  test('a body that is not JSON is 415', async () => {
    const answer = await post(`${app.url}/trpc/auth.login`, '<login/>', { 'Content-Type': 'text/xml' });
    assert.equal(answer.status, 415);
    assert.equal(structured(answer).code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a body over MAX_BODY_BYTES is 413 before it is read, declared or chunked', async () => {
    const big = JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(700_000) });
    const declared = await post(`${app.url}/trpc/auth.login`, big);
    assert.equal(declared.status, 413);
    assert.equal(structured(declared).code, 'PAYLOAD_TOO_LARGE');
    const chunkedBody = Buffer.from(big);
    const chunked = await rawRequest(
      app.url,
      Buffer.concat([
        Buffer.from(
          'POST /trpc/auth.login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        ),
        Buffer.from(`${chunkedBody.length.toString(16)}\r\n`),
        chunkedBody,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    assert.equal(chunked.status, 413);
    assert.equal(structured(chunked).code, 'PAYLOAD_TOO_LARGE');
    await stillAnswering();
  });

  test('a batch of more than 50 calls is refused', async () => {
    const paths = Array.from({ length: 51 }, () => 'auth.me').join(',');
    const response = await fetch(`${app.url}/trpc/${paths}?batch=1`, { headers: { Cookie: adminCookie } });
    assert.equal(response.status, 400);
    const ok = await fetch(`${app.url}/trpc/${paths.split(',').slice(0, 50).join(',')}?batch=1`, {
      headers: { Cookie: adminCookie },
    });
    assert.equal(ok.status, 200);
  });

  test('a URL over 8 KB is 414 and headers over Node’s limit are 431, both structured', async () => {
    const longUrl = await rawRequest(
      app.url,
      `GET /trpc/people.list?input=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(longUrl.status, 414);
    assert.equal(structured(longUrl).code, 'URI_TOO_LONG');
    const hugeHeader = await rawRequest(
      app.url,
      `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    assert.equal(hugeHeader.status, 431);
    assert.equal(structured(hugeHeader).code, 'HEADERS_TOO_LARGE');
    assert.equal(hugeHeader.headers['x-content-type-options'], 'nosniff');
    await stillAnswering();
  });

  test('unknown input keys are named, never ignored', async () => {
    const count = await fetch(
      `${app.url}/trpc/people.count?input=${encodeURIComponent(JSON.stringify({ filters: { tags: 'vip' } }))}`,
      { headers: { Cookie: adminCookie } },
    );
    assert.equal(count.status, 400);
    const error = structured({ body: await count.text() });
    assert.equal(error.code, 'VALIDATION_ERROR');
    assert.match(JSON.stringify(error.details), /filters/);

    const started = await post(
      `${app.url}/trpc/startExport`,
      JSON.stringify({
        object: 'people',
        format: 'csv',
        dateRange: { attribute: 'created_at', form: '2026-01-01' },
      }),
      { Cookie: adminCookie },
    );
    assert.equal(started.status, 400);
    assert.match(JSON.stringify(structured(started).details), /"keys":\["form"\]/);

    const me = await fetch(`${app.url}/trpc/auth.me?input=${encodeURIComponent('{"as":"admin"}')}`, {
      headers: { Cookie: adminCookie },
    });
    assert.equal(me.status, 400);
  });

  test('prototype keys in a filter are INVALID_FILTER, not a filter that matches everyone', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const response = await fetch(
        `${app.url}/trpc/people.count?input=${encodeURIComponent(`{"filter":{"${key}":{"tags":"vip"}}}`)}`,
        { headers: { Cookie: adminCookie } },
      );
      assert.equal(response.status, 400, key);
      assert.equal(structured({ body: await response.text() }).code, 'INVALID_FILTER', key);
    }
  });

  test('NUL and unpaired surrogates are 400s from the schemas, not database errors', async () => {
    const cases: [string, string][] = [
      ['startExport', '{"object":"people","format":"csv","idempotencyKey":"a\\u0000b"}'],
      ['views.create', '{"object":"people","name":"bad\\ud800name"}'],
      ['people.count', '{"filter":{"first_name":"x\\udc00"}}'],
      ['people.count', '{"filter":{"first_name":{"$contains":"\\u0000"}}}'],
    ];
    for (const [procedure, body] of cases) {
      const answer =
        procedure === 'people.count'
          ? await fetch(`${app.url}/trpc/${procedure}?input=${encodeURIComponent(body)}`, {
              headers: { Cookie: adminCookie },
            }).then(async (response) => ({ status: response.status, body: await response.text() }))
          : await post(`${app.url}/trpc/${procedure}`, body, { Cookie: adminCookie });
      assert.equal(answer.status, 400, `${procedure} ${body}`);
      assert.match(structured(answer).code, /^(VALIDATION_ERROR|INVALID_FILTER)$/);
    }
  });

  test('150,000 empty sub-filters are INVALID_FILTER, not a stack overflow', async () => {
    const filter = `{"$or":[${Array.from({ length: 150_000 }, () => '{}').join(',')}]}`;
    const answer = await post(
      `${app.url}/trpc/startExport`,
      `{"object":"people","format":"csv","filter":${filter}}`,
      {
        Cookie: adminCookie,
      },
    );
    assert.equal(answer.status, 400);
    assert.equal(structured(answer).code, 'INVALID_FILTER');
    const hundredOne = `{"$or":[${Array.from({ length: 101 }, () => '{}').join(',')}]}`;
    const count = await fetch(
      `${app.url}/trpc/people.count?input=${encodeURIComponent(`{"filter":${hundredOne}}`)}`,
      {
        headers: { Cookie: adminCookie },
      },
    );
    assert.equal(count.status, 400);
  });

  test('a forged listExports cursor is a 400', async () => {
    for (const cursor of [
      Buffer.from('2026-01-01T00:00:00.000Z|not-a-uuid').toString('base64url'),
      Buffer.from('garbage').toString('base64url'),
      '!!!',
    ]) {
      const response = await fetch(
        `${app.url}/trpc/listExports?input=${encodeURIComponent(JSON.stringify({ cursor }))}`,
        { headers: { Cookie: adminCookie } },
      );
      assert.equal(response.status, 400, cursor);
      assert.equal(structured({ body: await response.text() }).code, 'VALIDATION_ERROR');
    }
  });

  test('every answer carries the security headers', async () => {
    for (const target of ['/', '/people', '/api/health', '/trpc/auth.me', '/api/nope']) {
      const response = await fetch(`${app.url}${target}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, target);
      assert.match(csp, /script-src 'self'/, target);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', target);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', target);
    }
    assert.ok(app.server.keepAliveTimeout > 60_000);
  });
});

describe('HTTP edge in production: source maps stay on the server', () => {
  let app: TestApp;
  const assets = path.join(projectRoot, 'dist', 'client', 'assets');
  const mapFile = path.join(assets, 'hardening-test.js.map');

  before(async () => {
    mkdirSync(assets, { recursive: true });
    writeFileSync(mapFile, '{"version":3,"sources":["secret.ts"]}');
    app = await startTestApp({ env: { NODE_ENV: 'production' }, seed: false });
  });
  after(async () => {
    rmSync(mapFile, { force: true });
    await app.close();
  });

  test('a .map file is not served', async () => {
    const response = await fetch(`${app.url}/assets/hardening-test.js.map`);
    assert.doesNotMatch(await response.text(), /secret\.ts/);
  });
});
