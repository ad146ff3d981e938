import type { Logger } from 'pino';
import type { Identity } from './auth/identity';
import type { IdentityCache } from './auth/identity-cache';
import type { Database } from './db/database';
import type { Env } from './env';
import type { RateLimits } from './rate-limits';

/** What the app holds for its lifetime and hands to every request. */
export interface AppServices {
  env: Env;
  database: Database;
  logger: Logger;
  rateLimits: RateLimits;
  /** Who a session cookie or API key is, remembered for a few seconds (server/auth/identity-cache.ts). */
  identities: IdentityCache;
  /** Filled in by the export engine when it starts (web + workers, or tests). */
  exportQueue?: ExportQueue;
}

/** The small part of the job queue the request handlers use; implemented by server/exports. */
export interface ExportQueue {
  enqueue(exportId: string, workspaceId: string): Promise<void>;
  /** Tells the worker running it (in any process) that the export was cancelled. */
  cancelled(exportId: string): Promise<void>;
}

export interface Context {
  services: AppServices;
  requestId: string;
  identity: Identity | undefined;
  /** The session cookie sent with the request, so logout can end exactly that session. */
  sessionToken: string | undefined;
  /** The address the request came from (the socket's peer), for login protection. */
  clientIp: string;
  setHeader(name: string, value: string | string[]): void;
}

/** The pure context factory: tests call it directly; the HTTP adapter reads the request and calls it. */
export function createContext(input: {
  services: AppServices;
  requestId: string;
  identity?: Identity;
  sessionToken?: string;
  clientIp?: string;
  setHeader?: (name: string, value: string | string[]) => void;
}): Context {
  return {
    services: input.services,
    requestId: input.requestId,
    identity: input.identity,
    sessionToken: input.sessionToken,
    clientIp: input.clientIp ?? 'unknown',
    setHeader: input.setHeader ?? (() => {}),
  };
}
