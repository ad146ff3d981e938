import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExportSummary } from '../../shared/exports';
import type { CrmClient } from '../sdk';

const settled: ExportSummary['status'][] = ['completed', 'failed', 'cancelled', 'expired'];

/** Polls `exportStatus` until the export reaches one of `statuses` (by default: any end state). */
export async function waitForExport(
  client: CrmClient,
  exportId: string,
  statuses: readonly ExportSummary['status'][] = settled,
  timeoutMs = 90_000,
): Promise<ExportSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await client.exportStatus.query({ exportId });
    if (statuses.includes(summary.status)) return summary;
    if (Date.now() > deadline)
      assert.fail(`export ${exportId} still ${summary.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}
