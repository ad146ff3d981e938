import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createServices, type RunningApp, startHttp } from './app';
import { sessionCookieName } from './auth/identity';
import { seedDemo } from './db/seed-demo';
import { openTestDatabase } from './db/test-database';
import { loadEnv } from './env';
import { createLogger } from './logger';
import { createRateLimits } from './rate-limits';

/** Redis of the machine (CI and development run one at this address); REDIS_URL overrides it. */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = promisify(execFile);

let test_db: Awaited<ReturnType<typeof openTestDatabase>>;
before(async () => {
  test_db = await openTestDatabase();
  await seedDemo(test_db.database);
});
after(() => test_db?.drop());

/**
 * Two web servers on one database, each with its own services, as two web processes would have: their own
 * limiters, in-memory state and (with `redis`) their own Redis connection. 10 reads per 60 s window, so the
 * count does not depend on how fast the machine sends the requests.
 */
async function twoWebServers(
  redis: string | undefined,
): Promise<{ servers: RunningApp[]; close(): Promise<void> }> {
  const keyPrefix = `crm-test-${randomBytes(6).toString('hex')}`;
  const env = loadEnv({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'crm-test-')),
    LOG_LEVEL: 'silent',
    PORT: '0',
  });
  const servers: RunningApp[] = [];
  for (let index = 0; index < 2; index++) {
    const services = createServices(env, test_db.database, createLogger('silent'));
    services.rateLimits = createRateLimits({
      readsPerSecond: 10,
      writesPerSecond: 10,
      windowSeconds: 60,
      redis: redis ? { url: redis, keyPrefix } : undefined,
    });
    servers.push(await startHttp(services, { port: 0 }));
  }
  return {
    servers,
    async close() {
      for (const server of servers) {
        await server.stop();
        await server.services.rateLimits.close();
      }
    },
  };
}

async function sessionCookie(server: RunningApp, email: string): Promise<string> {
  const response = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  const match = new RegExp(`${sessionCookieName}=([^;]+)`).exec(response.headers.get('set-cookie') ?? '');
  assert.ok(response.ok && match, `login as ${email}: ${response.status}`);
  return `${sessionCookieName}=${match[1]}`;
}

/** 15 `auth.me` queries on each server, alternating; the statuses counted. */
async function readsOnBoth(servers: RunningApp[], cookie: string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let index = 0; index < 30; index++) {
    const server = servers[index % 2];
    assert.ok(server);
    const response = await fetch(`${server.url}/trpc/auth.me`, { headers: { Cookie: cookie } });
    await response.arrayBuffer();
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  }
  return statuses;
}

describe('rate limits shared through Redis', () => {
  test('two web servers on one Redis together allow the configured rate, not twice it', async () => {
    const { servers, close } = await twoWebServers(redisUrl);
    try {
      const [first] = servers;
      assert.ok(first);
      const cookie = await sessionCookie(first, 'member@acme.test');
      assert.deepEqual(await readsOnBoth(servers, cookie), { 200: 10, 429: 20 });
    } finally {
      await close();
    }
  });

  test('without Redis each server counts alone: together they allow twice the rate', async () => {
    const { servers, close } = await twoWebServers(undefined);
    try {
      const [first] = servers;
      assert.ok(first);
      const cookie = await sessionCookie(first, 'viewer@acme.test');
      assert.deepEqual(await readsOnBoth(servers, cookie), { 200: 20, 429: 10 });
    } finally {
      await close();
    }
  });

  test('failed logins on both servers count together for login protection', async () => {
    const { servers, close } = await twoWebServers(redisUrl);
    try {
      const email = `nobody-${randomBytes(4).toString('hex')}@acme.test`;
      const codes: number[] = [];
      for (let index = 0; index < 11; index++) {
        const server = servers[index % 2];
        assert.ok(server);
        const response = await fetch(`${server.url}/trpc/auth.login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password: 'wrong-password' }),
        });
        await response.arrayBuffer();
        codes.push(response.status);
      }
      // 10 in a row for one address and email, whichever server saw them; the 11th is refused.
      assert.deepEqual(codes, [...Array(10).fill(401), 429]);
    } finally {
      await close();
    }
  });

  test('with Redis unreachable, each server goes on limiting in memory (the insurance limiter)', async () => {
    const { servers, close } = await twoWebServers('redis://127.0.0.1:1');
    try {
      const [first] = servers;
      assert.ok(first);
      const cookie = await sessionCookie(first, 'admin@acme.test');
      assert.deepEqual(await readsOnBoth(servers, cookie), { 200: 20, 429: 10 });
    } finally {
      await close();
    }
  });

  test('two separate processes on one Redis share one budget', async () => {
    const keyPrefix = `crm-test-${randomBytes(6).toString('hex')}`;
    const consumer = path.join(import.meta.dirname, 'testing', 'rate-limit-consumer.ts');
    const results = await Promise.all(
      [0, 1].map(() =>
        run(process.execPath, ['--import', 'tsx', consumer], {
          env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, COUNT: '8' },
        }),
      ),
    );
    const allowed = results.map(
      ({ stdout }) => (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { allowed: number }).allowed,
    );
    assert.equal(
      allowed.reduce((sum, count) => sum + count, 0),
      10,
      `allowed per process: ${allowed.join(', ')}`,
    );
  });
});
