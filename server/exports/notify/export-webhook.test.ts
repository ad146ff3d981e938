import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ExportSummary } from '../../../shared/exports';
import type { CrmClient } from '../../sdk';
import { startTestApp, type TestApp } from '../../testing/test-app';
import { waitForExport } from '../../testing/wait-for-export';
import { deliverWebhook, maxAnswerBytes, WebhookRefusedError } from './export-webhook';
import { addressRefusal, assertDeliverableWebhookUrl } from './webhook-target';

const summary = { id: '00000000-0000-4000-8000-000000000001' } as unknown as ExportSummary;

interface Receiver {
  url: string;
  /** Requests that reached the receiver. */
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

async function receiver(handle: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    port: (server.address() as AddressInfo).port,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies Receiver & { port: number };
}

/** Answers `status` with a body that never ends; resolves `stopped` once the client hangs up. */
function endlessAnswer(status: number) {
  let written = 0;
  let stop: () => void = () => {};
  const stopped = new Promise<number>((resolve) => {
    stop = () => resolve(written);
  });
  const handle = (request: http.IncomingMessage, response: http.ServerResponse) => {
    request.resume();
    response.writeHead(status, { 'Content-Type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!response.destroyed && response.write(chunk)) written += chunk.length;
    };
    response.on('drain', pump);
    response.on('close', stop);
    pump();
  };
  return { handle, stopped };
}

const deliver = (url: string, options: Parameters<typeof deliverWebhook>[5]) =>
  deliverWebhook(url, 'test-webhook-secret-0123456789', 'export.completed', summary, 'delivery-1', options);

/** A resolver that answers `address` for every name, like a DNS record pointed there. */
function resolveTo(address: string): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

describe('webhook delivery: the answer is read only so far', () => {
  test('an endless 2xx answer: the delivery succeeds after reading at most a few KB, and hangs up', async () => {
    const endless = endlessAnswer(200);
    const hook = await receiver(endless.handle);
    try {
      const result = await deliver(hook.url, { allowPrivateNetworks: true, timeoutMs: 120_000 });
      assert.equal(result.status, 200);
      assert.ok(result.answer.length <= maxAnswerBytes, `read ${result.answer.length} bytes`);
      // The receiver sees the connection closed while it still had more to send.
      await endless.stopped;
      assert.equal(hook.requests.length, 1);
    } finally {
      await hook.close();
    }
  });

  test('an endless error answer: the delivery fails (to be retried) without reading it whole', async () => {
    const endless = endlessAnswer(500);
    const hook = await receiver(endless.handle);
    try {
      await assert.rejects(
        deliver(hook.url, { allowPrivateNetworks: true, timeoutMs: 120_000 }),
        /answered 500/,
      );
      await endless.stopped;
    } finally {
      await hook.close();
    }
  });

  test('a receiver that never answers, or never finishes a short answer: the attempt is given up after its timeout', async () => {
    const silent = await receiver(() => {});
    const trickling = await receiver((request, response) => {
      request.resume();
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('still thinking…'); // and never more, nor the end
    });
    try {
      for (const hook of [silent, trickling]) {
        await assert.rejects(
          deliver(hook.url, { allowPrivateNetworks: true, timeoutMs: 300 }),
          /did not answer within 300 ms/,
        );
      }
    } finally {
      await silent.close();
      await trickling.close();
    }
  });
});

describe('webhook delivery: only public addresses, checked when connecting', () => {
  test('the ranges the old hand-written list missed are refused, public addresses are not', () => {
    for (const address of [
      '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
      '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
      '64:ff9b:1::a00:1', // local-use NAT64
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
      '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
      '::127.0.0.1', // IPv4-compatible
      '::7f00:1',
      '::8.8.8.8',
      '::ffff:0:127.0.0.1', // IPv4-translated
      '::ffff:0:a9fe:a9fe',
      '::ffff:127.0.0.1', // IPv4-mapped
      '::ffff:7f00:1',
      '2001::1', // Teredo
      '192.0.2.10', // TEST-NET-1
      '198.51.100.10', // TEST-NET-2
      '203.0.113.10', // TEST-NET-3
      '198.18.0.1', // benchmarking
      '198.19.255.254',
      '2001:2::1', // IPv6 benchmarking
      '2001:db8::1', // IPv6 documentation
      '255.255.255.255',
      '127.0.0.1',
      '10.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      '::1',
      'fd00::1',
      'fe80::1',
      'fec0::1',
      '224.0.0.1',
      '240.0.0.1',
    ]) {
      assert.ok(addressRefusal(address), `${address} must be refused`);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '2a00:1450:4007:80f::200e']) {
      assert.equal(addressRefusal(address), undefined, address);
    }
  });

  test('a literal address of each refused family fails at connect time, without a request sent', async () => {
    for (const host of [
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::1]',
      '[::127.0.0.1]',
      '[::ffff:0:7f00:1]',
      '[::ffff:127.0.0.1]',
      '192.0.2.10',
      '198.51.100.10',
      '203.0.113.10',
      '198.18.0.1',
      '127.0.0.1',
      '[::1]',
    ]) {
      await assert.rejects(
        deliver(`http://${host}:9/hook`, { allowPrivateNetworks: false, timeoutMs: 30_000 }),
        (error: unknown) => error instanceof WebhookRefusedError,
        host,
      );
    }
  });

  test('a name that resolves to a private address is refused when connecting (DNS rebinding)', async () => {
    const hook = await receiver((_request, response) => response.writeHead(204).end());
    try {
      const url = `http://hooks.example.test:${hook.port}/hook`;
      // When the export is started the name points at a public address, so the URL is accepted…
      await assertDeliverableWebhookUrl(url, {
        allowPrivateNetworks: false,
        resolve: async () => ['93.184.216.34'],
      });
      // …then it is re-pointed at the server's own network before the delivery connects.
      for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '64:ff9b::7f00:1', '10.0.0.8']) {
        await assert.rejects(
          deliver(url, { allowPrivateNetworks: false, resolve: resolveTo(address), timeoutMs: 30_000 }),
          (error: unknown) => error instanceof WebhookRefusedError && error.message.includes(address),
          address,
        );
      }
      assert.equal(hook.requests.length, 0, 'nothing reached the receiver');
      // The same resolver with private networks allowed does reach it: the refusal was the guard's.
      const allowed = await deliver(url, {
        allowPrivateNetworks: true,
        resolve: resolveTo('127.0.0.1'),
        timeoutMs: 30_000,
      });
      assert.equal(allowed.status, 204);
      assert.equal(hook.requests.length, 1);
    } finally {
      await hook.close();
    }
  });
});

describe('webhook deliveries do not wait on each other', () => {
  let app: TestApp;
  let hanging: Awaited<ReturnType<typeof receiver>>;
  let quick: Awaited<ReturnType<typeof receiver>>;
  let hangingArrived: Promise<void>;
  let quickArrived: Promise<void>;
  let hangingClosedEarly = false;

  before(async () => {
    let arrived: () => void = () => {};
    hangingArrived = new Promise((resolve) => {
      arrived = resolve;
    });
    hanging = await receiver((request) => {
      request.resume();
      request.socket.on('close', () => {
        hangingClosedEarly = true;
      });
      arrived(); // and never answers
    });
    let quickArrivedResolve: () => void = () => {};
    quickArrived = new Promise((resolve) => {
      quickArrivedResolve = resolve;
    });
    quick = await receiver((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(204).end();
        quickArrivedResolve();
      });
    });
    app = await startTestApp({
      exports: true,
      env: {
        WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        // Long enough that only the other delivery going ahead can explain the order below.
        WEBHOOK_TIMEOUT_SECONDS: '600',
        RATE_LIMIT_READS_PER_SECOND: '1000',
      },
    });
  });
  after(async () => {
    await hanging.close();
    await quick.close();
    await app.close();
  });

  test("a receiver that hangs does not hold up another workspace's delivery", async () => {
    const globex: CrmClient = await app.loginAs('admin@globex.test');
    const acme: CrmClient = await app.loginAs('member@acme.test');
    const first = await globex.startExport.mutate({
      object: 'companies',
      format: 'csv',
      notify: { webhookUrl: hanging.url },
    });
    await waitForExport(globex, first.id, ['completed']);
    await hangingArrived;
    const second = await acme.startExport.mutate({
      object: 'companies',
      format: 'csv',
      notify: { webhookUrl: quick.url },
    });
    await waitForExport(acme, second.id, ['completed']);
    await quickArrived;
    assert.equal(hangingClosedEarly, false, 'the hanging delivery is still waiting for its answer');
    assert.equal(hanging.requests.length, 1);
    assert.equal(quick.requests.length, 1);
  });
});
