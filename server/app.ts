import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AnyRouter } from '@trpc/server';
import type { Logger } from 'pino';
import { createIdentityCache } from './auth/identity-cache';
import type { AppServices } from './context';
import { type Database, migrateDatabase, openDatabase } from './db/database';
import type { Env } from './env';
import { exportApiRoutes } from './exports/download-route';
import { type ApiRoute, createHttpServer } from './http';
import { createLogger } from './logger';
import { apiDocsRoutes } from './openapi/docs-routes';
import { createRateLimits } from './rate-limits';
import { restExportRoutes } from './rest/exports-routes';
import { appRouter } from './router';
import { scheduleRestRoutes } from './schedules/schedules-rest';

export interface RunningApp {
  services: AppServices;
  server: http.Server;
  url: string;
  stop(): Promise<void>;
}

/** Opens the database of the environment (Postgres, or PGlite under DATA_DIR) and migrates it. */
export async function openAppDatabase(env: Env): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    pgliteDir: path.join(env.DATA_DIR, 'pglite'),
  });
  await migrateDatabase(database);
  return database;
}

export function createServices(
  env: Env,
  database: Database,
  logger: Logger = createLogger(env.LOG_LEVEL),
): AppServices {
  return {
    env,
    database,
    logger,
    identities: createIdentityCache(),
    rateLimits: createRateLimits({
      readsPerSecond: env.RATE_LIMIT_READS_PER_SECOND,
      writesPerSecond: env.RATE_LIMIT_WRITES_PER_SECOND,
      redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, logger } : undefined,
    }),
  };
}

/** Boots the HTTP server on an already opened database: tRPC at /trpc, plain routes at /api, the client at /. */
export async function startHttp(
  services: AppServices,
  options: { router?: AnyRouter; apiRoutes?: ApiRoute[]; port?: number } = {},
): Promise<RunningApp> {
  const server = createHttpServer({
    services,
    router: options.router ?? appRouter,
    apiRoutes: [
      ...exportApiRoutes,
      ...restExportRoutes,
      ...scheduleRestRoutes,
      ...apiDocsRoutes,
      ...(options.apiRoutes ?? []),
    ],
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? services.env.PORT, '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    services,
    server,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
