import type { ExportSummary } from '../../../shared/exports';
import type { ExportEvent } from '../run-export';
import { signatureHeader, signWebhook, timestampHeader } from './webhook-signature';

/**
 * POSTs `{ event, export }` to the URL the requester gave, signed. Throws on a network error or a
 * non-2xx answer, so the pg-boss job retries it with backoff.
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  event: ExportEvent,
  summary: ExportSummary,
  deliveryId: string,
): Promise<void> {
  const body = JSON.stringify({ event, export: summary });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'crm-export-webhooks/1',
      [timestampHeader]: String(timestamp),
      [signatureHeader]: signWebhook(secret, timestamp, body),
      'X-CRM-Delivery': deliveryId,
      'X-CRM-Event': event,
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300)
    throw new Error(`webhook ${url} answered ${response.status}`);
}
