import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../testing/test-app';

let app: TestApp;
before(async () => {
  app = await startTestApp({ env: { EXPORT_PDF_ROW_CAP: '1234', EXPORT_TTL: '12h' } });
});
after(() => app.close());

test('exportSettings states the limits as configured, to anyone who may read exports', async () => {
  const viewer = await app.loginAs('viewer@acme.test');
  assert.deepEqual(await viewer.exportSettings.query(), {
    pdfRowCap: 1234,
    fileLifetimeSeconds: 12 * 3600,
    downloadLinkSeconds: 300,
  });
  await assert.rejects(app.anonymous.exportSettings.query());
});
