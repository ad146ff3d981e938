import { createHmac, timingSafeEqual } from 'node:crypto';

export const downloadTokenLifetimeMs = 5 * 60 * 1000;

export interface DownloadClaims {
  exportId: string;
  userId: string;
  expiresAt: Date;
}

/** A key of its own, derived from APP_SECRET, so a token of another kind can never pass as this one. */
function signingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('crm-export-download-v1').digest();
}

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', signingKey(secret)).update(payload).digest();
}

/** `<payload>.<hmac>`, both base64url: the export, the user it was issued to, and its expiry. */
export function signDownloadToken(secret: string, claims: DownloadClaims): string {
  const payload = Buffer.from(
    JSON.stringify({
      x: claims.exportId,
      u: claims.userId,
      e: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
  ).toString('base64url');
  return `${payload}.${signature(secret, payload).toString('base64url')}`;
}

/** The claims of a well-signed, unexpired token; undefined for anything else (the route answers 401). */
export function verifyDownloadToken(
  secret: string,
  token: string,
  now = new Date(),
): DownloadClaims | undefined {
  const [payload, given, extra] = token.split('.');
  if (!payload || !given || extra !== undefined) return undefined;
  const expected = signature(secret, payload);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { x, u, e } = parsed as Record<string, unknown>;
  if (typeof x !== 'string' || typeof u !== 'string' || typeof e !== 'number') return undefined;
  const expiresAt = new Date(e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return undefined;
  return { exportId: x, userId: u, expiresAt };
}
