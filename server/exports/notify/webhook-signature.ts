import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'X-CRM-Signature';
export const timestampHeader = 'X-CRM-Timestamp';

/** WEBHOOK_SECRET, or one derived from APP_SECRET when unset (docs/webhooks.md says how to read it). */
export function webhookSecret(env: { WEBHOOK_SECRET?: string; APP_SECRET: string }): string {
  return (
    env.WEBHOOK_SECRET ?? createHmac('sha256', env.APP_SECRET).update('crm-export-webhook-v1').digest('hex')
  );
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe does, so a receiver can reject replays. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** What a receiver does (docs/webhooks.md shows the same in a few lines). */
export function verifyWebhook(
  secret: string,
  header: string,
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
