import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { initTRPC } from '@trpc/server';
import { z } from 'zod';
import { createTrpcHttpHandler } from './trpc-http';

interface TestContext {
  setCookie(value: string): void;
}

const t = initTRPC.context<TestContext>().create();
let signalOfLastWait: AbortSignal | undefined;
let signalOfLastEcho: AbortSignal | undefined;
let waitStarted: () => void = () => {};
const testRouter = t.router({
  echo: t.procedure.input(z.strictObject({ text: z.string() })).query(({ input, signal }) => {
    signalOfLastEcho = signal;
    return { said: input.text };
  }),
  login: t.procedure.mutation(({ ctx }) => {
    ctx.setCookie('session=abc; HttpOnly');
    return { ok: true };
  }),
  wait: t.procedure.query(async ({ signal }) => {
    signalOfLastWait = signal;
    waitStarted();
    await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
    return 'never answered';
  }),
});

describe('tRPC over the fetch adapter (trpc-http.ts)', () => {
  let server: http.Server;
  let base: string;
  const errors: string[] = [];

  before(async () => {
    const handle = createTrpcHttpHandler({
      router: testRouter,
      endpoint: '/trpc',
      maxBatchSize: 3,
      async createContext(_request, response) {
        return { setCookie: (value: string) => response.setHeader('set-cookie', value) };
      },
      onError: ({ error, path }) => errors.push(`${path}: ${error.code}`),
    });
    server = http.createServer((request, response) => {
      const url = new URL(`http://localhost${request.url}`);
      if (request.method !== 'POST') return void handle(request, response, url, undefined);
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => void handle(request, response, url, Buffer.concat(parts).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a query, a batch and a mutation with tRPC’s status, headers and body', async () => {
    const input = encodeURIComponent(JSON.stringify({ text: 'héllo' }));
    const single = await fetch(`${base}/trpc/echo?input=${input}`);
    assert.equal(single.status, 200);
    assert.match(single.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await single.json(), { result: { data: { said: 'héllo' } } });

    const batchInput = encodeURIComponent(JSON.stringify({ 0: { text: 'a' }, 1: { text: 1 } }));
    const batch = await fetch(`${base}/trpc/echo,echo?batch=1&input=${batchInput}`);
    assert.equal(batch.status, 207);
    const [first, second] = (await batch.json()) as [
      { result: unknown },
      { error: { data: { code: string } } },
    ];
    assert.deepEqual(first, { result: { data: { said: 'a' } } });
    assert.equal(second.error.data.code, 'BAD_REQUEST');

    const tooMany = await fetch(`${base}/trpc/echo,echo,echo,echo?batch=1&input=%7B%7D`);
    assert.equal(tooMany.status, 400);

    const login = await fetch(`${base}/trpc/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(login.status, 200);
    assert.deepEqual(login.headers.getSetCookie(), ['session=abc; HttpOnly']);
    assert.deepEqual(await login.json(), { result: { data: { ok: true } } });

    const missing = await fetch(`${base}/trpc/nowhere`);
    assert.equal(missing.status, 404);
    assert.ok(errors.includes('nowhere: NOT_FOUND'));
  });

  it("aborts a procedure's signal when its client leaves, and not after an answer", async () => {
    const input = encodeURIComponent(JSON.stringify({ text: 'x' }));
    const answered = await fetch(`${base}/trpc/echo?input=${input}`);
    assert.equal(answered.status, 200);
    await answered.text();
    // The connection's close comes after the answer; a signal aborted then would say the client left.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(signalOfLastEcho?.aborted, false);

    const started = new Promise<void>((resolve) => {
      waitStarted = resolve;
    });
    const leaving = new AbortController();
    const request = fetch(`${base}/trpc/wait`, { signal: leaving.signal }).catch((error: unknown) => error);
    await started;
    const signal = signalOfLastWait;
    assert.equal(signal?.aborted, false);
    leaving.abort();
    await request;
    await new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      else signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    assert.equal(signal?.aborted, true);
  });
});
