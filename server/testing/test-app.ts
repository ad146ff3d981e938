import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AnyRouter } from '@trpc/server';
import type { Logger } from 'pino';
import { createServices, type RunningApp, startHttp } from '../app';
import { sessionCookieName } from '../auth/identity';
import type { Database } from '../db/database';
import { seedDemo } from '../db/seed-demo';
import { openTestDatabase } from '../db/test-database';
import { loadEnv } from '../env';
import { type ExportEngine, type ExportEngineOptions, startExportEngine } from '../exports/export-engine';
import type { ApiRoute } from '../http';
import { createLogger } from '../logger';
import { type CrmClient, createClient } from '../sdk';

export interface TestApp extends RunningApp {
  database: Database;
  /** The export engine, when started with `exports` (off by default). */
  exportEngine?: ExportEngine;
  /** A typed client with no credentials. */
  anonymous: CrmClient;
  /** Logs in as a demo account and returns a typed client carrying its session cookie. */
  loginAs(email: string): Promise<CrmClient>;
  sessionCookieFor(email: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A running server on a fresh database (PGlite in memory, or a new database on DATABASE_URL's server)
 * with the demo data, on a free port. One per test file.
 */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    router?: AnyRouter;
    apiRoutes?: ApiRoute[];
    seed?: boolean;
    /** Where the app logs (default: a pino logger at TEST_LOG_LEVEL, silent unless set). */
    logger?: Logger;
    /** Start the export engine (pg-boss and, unless `workers: false`, export workers) in this process. */
    exports?: boolean | ExportEngineOptions;
  } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-test-'));
  const env = loadEnv({
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    PORT: '0',
    ...options.env,
  });
  const test = await openTestDatabase();
  let app: RunningApp | undefined;
  let exportEngine: ExportEngine | undefined;
  try {
    if (options.seed !== false) await seedDemo(test.database);
    const services = createServices(
      { ...env, DATABASE_URL: test.url },
      test.database,
      options.logger ?? createLogger(env.LOG_LEVEL),
    );
    app = await startHttp(services, { router: options.router, apiRoutes: options.apiRoutes, port: 0 });
    // Links the server hands out (downloads, emails) point at this test server unless APP_URL is given.
    if (!options.env?.APP_URL) services.env = { ...services.env, APP_URL: app.url };
    exportEngine = options.exports
      ? await startExportEngine(services, {
          pollingIntervalSeconds: 0.5,
          ...(typeof options.exports === 'object' ? options.exports : {}),
        })
      : undefined;
  } catch (error) {
    // A half-started app would keep the test process alive (open server, database, pollers).
    await app?.stop();
    await test.drop();
    throw error;
  }
  return assembleTestApp(app, test, exportEngine);
}

function assembleTestApp(
  app: RunningApp,
  test: Awaited<ReturnType<typeof openTestDatabase>>,
  exportEngine: ExportEngine | undefined,
): TestApp {
  async function sessionCookieFor(email: string): Promise<string> {
    const response = await fetch(`${app.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: 'demo1234' }),
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    const match = new RegExp(`${sessionCookieName}=([^;]+)`).exec(cookie);
    if (!response.ok || !match)
      throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
    return `${sessionCookieName}=${match[1]}`;
  }

  return {
    ...app,
    database: test.database,
    exportEngine,
    anonymous: createClient({ url: app.url }),
    sessionCookieFor,
    async loginAs(email) {
      return createClient({ url: app.url, headers: { Cookie: await sessionCookieFor(email) } });
    },
    async close() {
      await app.stop();
      await exportEngine?.stop();
      await test.drop();
    },
  };
}
