import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../errors/api-error';
import { addressKey, createRateLimits, defaultLoginLimits } from '../rate-limits';
import { startTestApp, type TestApp } from '../testing/test-app';
import { login, unknownAccountPasswordHash } from './identity';
import { hashPassword } from './passwords';

interface TrpcAnswer {
  error?: { data: { code: string; status_code: number; details?: Record<string, unknown> } };
  result?: unknown;
}

/** POSTs to /trpc over a socket bound to `localAddress`, so the server sees the request come from it. */
function postFrom(
  app: TestApp,
  localAddress: string,
  pathAndQuery: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const url = new URL(pathAndQuery, app.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function loginFrom(app: TestApp, localAddress: string, email: string, password: string) {
  const { status, json } = await postFrom(app, localAddress, '/trpc/auth.login', { email, password });
  return { status, code: (json as TrpcAnswer).error?.data.code };
}

const wrongPassword = async () => {
  throw new ApiError('UNAUTHORIZED', 'Email or password is incorrect');
};

describe('login protection over HTTP', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('many different emails from one address are limited, even within one batch', async () => {
    const services = app.services;
    const saved = services.rateLimits;
    services.rateLimits = createRateLimits({
      readsPerSecond: 1000,
      writesPerSecond: 1000,
      login: { failsByAddressPerDay: 5 },
    });
    try {
      const calls = 12;
      const body = Object.fromEntries(
        Array.from({ length: calls }, (_, index) => [
          String(index),
          { email: `probe-${index}@acme.test`, password: 'guess' },
        ]),
      );
      const path = `/trpc/${Array.from({ length: calls }, () => 'auth.login').join(',')}?batch=1`;
      const { json } = await postFrom(app, '127.0.0.3', path, body);
      const codes = (json as TrpcAnswer[]).map((answer) => answer.error?.data.code);
      assert.equal(codes.filter((code) => code === 'UNAUTHORIZED').length, 5, codes.join(','));
      assert.equal(codes.filter((code) => code === 'RATE_LIMIT_EXCEEDED').length, calls - 5, codes.join(','));
      // Another address is not affected.
      assert.equal((await loginFrom(app, '127.0.0.4', 'member@acme.test', 'demo1234')).status, 200);
    } finally {
      services.rateLimits = saved;
    }
  });

  test('wrong guesses from one address lock that address out of the account, not its owner elsewhere', async () => {
    const attacker = '127.0.0.2';
    const codes: (string | undefined)[] = [];
    for (let index = 0; index < defaultLoginLimits.consecutiveFailsByAddressAndEmail + 2; index++) {
      codes.push((await loginFrom(app, attacker, 'admin@acme.test', `guess-${index}`)).code);
    }
    assert.deepEqual(
      codes.slice(0, defaultLoginLimits.consecutiveFailsByAddressAndEmail),
      Array(defaultLoginLimits.consecutiveFailsByAddressAndEmail).fill('UNAUTHORIZED'),
    );
    assert.deepEqual(codes.slice(-2), ['RATE_LIMIT_EXCEEDED', 'RATE_LIMIT_EXCEEDED']);
    // Blocked from the attacker's address even with the right password…
    const blocked = await loginFrom(app, attacker, 'admin@acme.test', 'demo1234');
    assert.equal(blocked.status, 429);
    // …while the owner, from their own address, logs in.
    const owner = await loginFrom(app, '127.0.0.1', 'admin@acme.test', 'demo1234');
    assert.equal(owner.status, 200);
  });
});

describe('login protection: the limiters', () => {
  const limits = () => createRateLimits({ readsPerSecond: 10, writesPerSecond: 10 });

  async function attempt(
    rateLimits: ReturnType<typeof limits>,
    ip: string,
    email: string,
    outcome: () => Promise<string>,
  ): Promise<string> {
    try {
      return await rateLimits.guardLogin(ip, email, outcome);
    } catch (error) {
      assert.ok(error instanceof ApiError);
      return error.code;
    }
  }

  test('one address may fail 100 times a day across emails, then every attempt is refused unchecked', async () => {
    const rateLimits = limits();
    let checked = 0;
    const counted = async () => {
      checked++;
      return wrongPassword();
    };
    for (let index = 0; index < defaultLoginLimits.failsByAddressPerDay; index++) {
      assert.equal(await attempt(rateLimits, '203.0.113.7', `user${index}@x.test`, counted), 'UNAUTHORIZED');
    }
    assert.equal(await attempt(rateLimits, '203.0.113.7', 'new@x.test', counted), 'RATE_LIMIT_EXCEEDED');
    assert.equal(
      checked,
      defaultLoginLimits.failsByAddressPerDay,
      'the refused attempt never checked a password',
    );
    assert.equal(await attempt(rateLimits, '203.0.113.8', 'new@x.test', async () => 'ok'), 'ok');
  });

  test('a success resets the consecutive count of its address and email', async () => {
    const rateLimits = limits();
    const fails = defaultLoginLimits.consecutiveFailsByAddressAndEmail - 1;
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < fails; index++) {
        assert.equal(await attempt(rateLimits, '198.51.100.1', 'a@x.test', wrongPassword), 'UNAUTHORIZED');
      }
      assert.equal(await attempt(rateLimits, '198.51.100.1', 'a@x.test', async () => 'ok'), 'ok');
    }
  });

  test('all addresses together are capped; a fault of ours (not a wrong password) is not counted', async () => {
    const rateLimits = createRateLimits({
      readsPerSecond: 10,
      writesPerSecond: 10,
      login: { failsOverallPerHour: 3 },
    });
    const fault = async (): Promise<string> => {
      throw new Error('database down');
    };
    for (let index = 0; index < 5; index++) {
      await assert.rejects(rateLimits.guardLogin(`192.0.2.${index}`, 'a@x.test', fault), /database down/);
    }
    for (let index = 0; index < 3; index++) {
      assert.equal(await attempt(rateLimits, `192.0.2.${index}`, 'a@x.test', wrongPassword), 'UNAUTHORIZED');
    }
    assert.equal(
      await attempt(rateLimits, '192.0.2.99', 'b@x.test', async () => 'ok'),
      'RATE_LIMIT_EXCEEDED',
    );
  });

  test('IPv6 clients are counted by their /64; IPv4-mapped addresses as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb::2'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::ffff:127.0.0.1'), '127.0.0.1');
  });
});

describe('login: an unknown email costs the same work as a known one', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('the password of an unknown email is verified against a dummy hash made like a real one', async () => {
    const verified: string[] = [];
    const verify = async (_password: string, stored: string) => {
      verified.push(stored);
      return false;
    };
    await assert.rejects(login(app.database.db, 'nobody@acme.test', 'guess', { verify }), {
      code: 'UNAUTHORIZED',
    });
    await assert.rejects(login(app.database.db, 'admin@acme.test', 'guess', { verify }), {
      code: 'UNAUTHORIZED',
    });
    assert.equal(verified.length, 2, 'one verification each, known or not');
    const [dummy, real] = verified as [string, string];
    assert.equal(dummy, await unknownAccountPasswordHash());
    // Same scheme and cost parameters as the hashes of real accounts (and of a fresh hash).
    const parameters = (hash: string) => hash.split('$').slice(0, 4).join('$');
    assert.equal(parameters(dummy), parameters(real));
    assert.equal(parameters(dummy), parameters(await hashPassword('x')));
  });
});
