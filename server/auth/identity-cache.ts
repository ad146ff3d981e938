import type { Db } from '../db/database';
import { type Identity, identityFromApiKey, identityFromSession, sha256 } from './identity';

/**
 * How long this process reuses a caller it has looked up. Every call starts by resolving its session cookie
 * or API key, and every open export dialog polls exportStatus each second: without the cache, that lookup
 * was one more query per poll. Logout and key revocation made through this process take effect here at
 * once; made through another process (another web instance), they take effect here within this long.
 * A session is never reused past its own expiry.
 */
export const identityCacheMs = 5_000;

/** Callers remembered at most; past that the oldest entry goes first (a few hundred bytes each). */
export const identityCacheEntries = 10_000;

/** The session cookie → caller and API key → caller lookups, remembered briefly (see `identityCacheMs`). */
export interface IdentityCache {
  session(db: Db, token: string): Promise<Identity | undefined>;
  apiKey(db: Db, key: string): Promise<Identity | undefined>;
  /** After logout: the token is looked up again (and refused) from the next call on. */
  forgetSession(token: string): void;
  /** After revocation: the key is looked up again (and refused) from the next call on. */
  forgetApiKey(apiKeyId: string): void;
}

interface Found {
  identity: Identity;
  /** The session's end; an entry never outlives it. */
  expiresAt?: Date;
}

/**
 * Entries are keyed by the SHA-256 of the token or key, as the database keys them: the cache never holds a
 * credential. Unknown tokens are not remembered, so nothing a caller sends can fill the cache but real
 * credentials. Concurrent lookups of one credential share one query.
 */
export function createIdentityCache(
  options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): IdentityCache {
  const ttlMs = options.ttlMs ?? identityCacheMs;
  const maxEntries = options.maxEntries ?? identityCacheEntries;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { identity: Identity; until: number }>();
  const loading = new Map<string, Promise<Identity | undefined>>();
  // Bumped by every forget: a lookup that read the database before a logout must not store what it read.
  let generation = 0;

  function remember(key: string, found: Found, readAt: number): void {
    const until = Math.min(readAt + ttlMs, found.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(key, { identity: found.identity, until });
  }

  function cached(key: string, load: () => Promise<Found | undefined>): Promise<Identity | undefined> {
    const entry = entries.get(key);
    if (entry && entry.until > now()) return Promise.resolve(entry.identity);
    if (entry) entries.delete(key);
    const pending = loading.get(key);
    if (pending) return pending;
    const started = generation;
    const readAt = now();
    const lookup = load().then((found) => {
      if (found && generation === started) remember(key, found, readAt);
      return found?.identity;
    });
    loading.set(key, lookup);
    const settled = () => {
      if (loading.get(key) === lookup) loading.delete(key);
    };
    lookup.then(settled, settled);
    return lookup;
  }

  return {
    session(db, token) {
      return cached(`session:${sha256(token)}`, () => identityFromSession(db, token));
    },
    apiKey(db, key) {
      return cached(`key:${sha256(key)}`, async () => {
        const identity = await identityFromApiKey(db, key);
        return identity && { identity };
      });
    },
    forgetSession(token) {
      const key = `session:${sha256(token)}`;
      generation++;
      entries.delete(key);
      loading.delete(key);
    },
    forgetApiKey(apiKeyId) {
      generation++;
      for (const [key, entry] of entries) if (entry.identity.apiKeyId === apiKeyId) entries.delete(key);
      // Which key an unfinished lookup is for is not known yet: none of them may be joined any more.
      for (const key of loading.keys()) if (key.startsWith('key:')) loading.delete(key);
    },
  };
}
