import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ExportSummary } from '../../../../shared/exports';
import { ExportProgress, phaseOf } from './ExportProgress';

const queued: ExportSummary = {
  id: '00000000-0000-4000-8000-000000000001',
  object: 'people',
  format: 'csv',
  status: 'queued',
  processedRows: 0,
  totalRows: null,
  percent: 0,
  startedAt: null,
  finishedAt: null,
  etaSeconds: null,
  fileName: null,
  fileSize: null,
  createdAt: '2026-11-28T09:00:00.000Z',
  expiresAt: null,
  requestedBy: { id: 'u', name: 'Member', email: 'member@acme.test' },
  request: { object: 'people', format: 'csv' },
  error: null,
  requestId: null,
  queuePosition: 1,
  waitingForWorker: false,
  scheduleId: null,
};

test('a queued export with no worker alive says it is waiting for a worker, not for a free one', () => {
  assert.equal(phaseOf(queued), 'Queued — waiting for a free worker');
  assert.equal(phaseOf({ ...queued, waitingForWorker: true }), 'Waiting for a worker');
  const waiting = renderToStaticMarkup(
    createElement(ExportProgress, { summary: { ...queued, waitingForWorker: true } }),
  );
  assert.match(waiting, /Waiting for a worker/);
  assert.match(waiting, /No export worker is running; it starts as soon as one is/);
  const free = renderToStaticMarkup(createElement(ExportProgress, { summary: queued }));
  assert.doesNotMatch(free, /No export worker is running/);
  assert.match(free, /Starts when a worker is free/);
});
