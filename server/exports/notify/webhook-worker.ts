import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../../db/database';
import type { Env } from '../../env';
import { observeDelivery } from '../../metrics/metrics';
import { loadExportSummary } from '../export-summary-loader';
import type { ExportEvent } from '../run-export';
import { deliverWebhook, WebhookRefusedError } from './export-webhook';
import { webhookSecret } from './webhook-signature';

/**
 * Deliveries one process makes at once. Each runs in its own pg-boss worker, so a receiver that hangs
 * holds one of them until its attempt times out (WEBHOOK_TIMEOUT_SECONDS), while the others go on
 * delivering to everyone else.
 */
export const webhookWorkers = 4;

interface WebhookJob {
  exportId: string;
  event: ExportEvent;
}

export async function workWebhookQueue(
  boss: PgBoss,
  queue: string,
  deps: { database: Database; env: Env; logger: Logger; pollingIntervalSeconds: number },
): Promise<string[]> {
  const { database, env, logger } = deps;
  const deliver = async ([job]: PgBoss.Job<WebhookJob>[]) => {
    if (!job) return;
    const summary = await loadExportSummary(database, job.data.exportId);
    const url = summary?.request.notify?.webhookUrl;
    if (!summary || !url) return;
    try {
      await observeDelivery('webhook', () =>
        deliverWebhook(url, webhookSecret(env), job.data.event, summary, job.id, {
          allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
          timeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
        }),
      );
    } catch (error) {
      const refused = error instanceof WebhookRefusedError;
      logger.warn(
        { err: error, export_id: job.data.exportId, delivery_id: job.id },
        refused
          ? 'webhook refused: its address is not public'
          : 'webhook delivery failed; it will be retried',
      );
      throw error;
    }
  };
  const workerIds: string[] = [];
  for (let index = 0; index < webhookWorkers; index++) {
    workerIds.push(
      await boss.work<WebhookJob>(
        queue,
        { batchSize: 1, pollingIntervalSeconds: deps.pollingIntervalSeconds },
        deliver,
      ),
    );
  }
  return workerIds;
}
