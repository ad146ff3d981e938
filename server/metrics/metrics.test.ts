import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { startMetricsServer } from './http-metrics';

/** The value of one sample line of Prometheus's text format, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics is off by default', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  test('without METRICS the app answers no metrics', async () => {
    const response = await fetch(`${app.url}/metrics`);
    const text = await response.text();
    assert.doesNotMatch(text, /crm_http_requests_total/);
    assert.doesNotMatch(response.headers.get('content-type') ?? '', /version=0\.0\.4/);
  });
});

describe('/metrics with METRICS=true', () => {
  let app: TestApp;
  before(async () => {
    // Slow exports (small batches, a pause after each) so that one can be cancelled while it runs.
    app = await startTestApp({
      env: { METRICS: 'true', EXPORT_BATCH_SIZE: '10', EXPORT_THROTTLE_MS: '100' },
      exports: true,
    });
  });
  after(() => app?.close());

  const scrape = async () => {
    const response = await fetch(`${app.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  test('HTTP requests by route and status, exports by format and outcome, queue gauges and deliveries', async () => {
    const member = await app.loginAs('member@acme.test');
    const completed = await member.startExport.mutate({
      object: 'companies',
      format: 'csv',
      notify: { email: true },
    });
    const done = await waitForExport(member, completed.id);
    assert.equal(done.status, 'completed');

    const cancelled = await member.startExport.mutate({ object: 'people', format: 'json' });
    await waitForExport(member, cancelled.id, ['running']);
    await member.cancelExport.mutate({ exportId: cancelled.id });
    await waitForExport(member, cancelled.id, ['cancelled']);
    await fetch(`${app.url}/trpc/noSuchProcedure`);
    await fetch(`${app.url}/api/v1/no/such/route`);

    // The cancelled run and the email are counted when the worker has finished with them.
    let text = await scrape();
    for (let waited = 0; waited < 100; waited++) {
      if (
        sample(text, 'crm_exports_cancelled_total{format="json"}') === 1 &&
        sample(text, 'crm_notification_deliveries_total{channel="email",outcome="delivered"}') === 1
      )
        break;
      await sleep(100);
      text = await scrape();
    }

    assert.ok(
      (sample(text, 'crm_http_requests_total{route="/trpc/exportStatus",method="GET",status="200"}') ?? 0) >=
        2,
    );
    assert.equal(
      sample(text, 'crm_http_requests_total{route="/trpc/auth.login",method="POST",status="200"}'),
      1,
    );
    assert.equal(
      sample(text, 'crm_http_requests_total{route="/trpc (unknown)",method="GET",status="404"}'),
      1,
    );
    assert.equal(
      sample(text, 'crm_http_requests_total{route="/api (no route)",method="GET",status="404"}'),
      1,
    );
    assert.ok(
      (sample(
        text,
        'crm_http_request_duration_seconds_count{route="/trpc/startExport",method="POST",status="200"}',
      ) ?? 0) >= 2,
    );
    assert.match(text, /crm_http_request_duration_seconds_bucket\{le="0\.005",route="\/trpc\/exportStatus"/);

    assert.equal(sample(text, 'crm_exports_started_total{format="csv"}'), 1);
    assert.equal(sample(text, 'crm_exports_completed_total{format="csv"}'), 1);
    assert.equal(sample(text, 'crm_export_duration_seconds_count{format="csv"}'), 1);
    assert.equal(sample(text, 'crm_export_rows_per_second_count{format="csv"}'), 1);
    assert.equal(sample(text, 'crm_exports_started_total{format="json"}'), 1);
    assert.equal(sample(text, 'crm_exports_cancelled_total{format="json"}'), 1);
    assert.equal(sample(text, 'crm_exports_completed_total{format="json"}'), undefined);
    assert.equal(sample(text, 'crm_notification_deliveries_total{channel="email",outcome="delivered"}'), 1);

    assert.equal(sample(text, 'crm_exports_queued'), 0);
    assert.equal(sample(text, 'crm_exports_running'), 0);
    assert.equal(sample(text, 'crm_export_workers_alive'), 1);
    assert.ok(sample(text, 'crm_process_resident_memory_bytes'));
  });

  test('METRICS_PORT serves /metrics alone on its own port', async () => {
    const server = await startMetricsServer(0, app.database);
    try {
      const { port } = server.address() as AddressInfo;
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /# TYPE crm_exports_queued gauge/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/trpc/auth.me`)).status, 404);
    } finally {
      server.close();
    }
  });
});
