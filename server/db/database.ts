import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { schema } from '../../drizzle/schema';
import { projectRoot } from '../project-root';
import { lockPgliteDirectory } from './pglite-lock';

export type RawQuery = <Row = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<Row[]>;

/** The drizzle handle, typed against the Postgres base both drivers share. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Raw parameterized SQL, rows back: for pg-boss, set-based seeding and benchmarks. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Several statements without parameters. */
  exec(text: string): Promise<void>;
  /** Raw SQL inside one transaction on one connection. */
  transaction<T>(work: (query: RawQuery) => Promise<T>): Promise<T>;
  /** Rows of a drizzle `sql` query, whichever driver runs it. */
  rows<Row = Record<string, unknown>>(query: SQL): Promise<Row[]>;
  /** The connection URL when on Postgres, so other processes (workers, cursors) can connect. */
  url?: string;
  /** The embedded client when on PGlite (one connection, single-threaded). */
  pglite?: PGlite;
  close(): Promise<void>;
}

const migrationsFolder = path.join(projectRoot, 'drizzle', 'migrations');

export interface OpenOptions {
  databaseUrl?: string;
  /** PGlite's data directory; omitted means in memory. */
  pgliteDir?: string;
  maxConnections?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10)
    : openPglite(options.pgliteDir);
}

/**
 * PGlite's shared buffers live in its WebAssembly memory, which never shrinks, and are all touched when it
 * starts: every MB here is resident for the life of the server. Below the working set of an export, each
 * miss is a synchronous file read on the web's thread (about 20 µs on this machine): exporting 200k people
 * (a 42 MB table and an 11 MB sort index) at 32 MB read ~146k pages, 2.9 s of a 5.7 s export; at 64 MB the
 * export ran at 48–61k rows/s instead of 35–43k. At Postgres's default of 128 MB the server peaked at
 * 498 MB; at 64 MB, 354–359 MB with `npm start`'s one V8 helper thread (scripts/start.mjs says why).
 * Measured with `npm run bench:responsiveness -- --only pglite`.
 */
const pgliteSettings = { postgresqlconf: ['shared_buffers=64MB'] };

async function openPglite(dir: string | undefined): Promise<Database> {
  if (dir) mkdirSync(path.dirname(dir), { recursive: true });
  // One process per directory; an in-memory database is the process's own and needs no lock.
  const unlock = dir ? await lockPgliteDirectory(dir) : undefined;
  let client: PGlite;
  try {
    client = dir ? new PGlite(dir, pgliteSettings) : new PGlite(pgliteSettings);
    await client.waitReady;
  } catch (error) {
    await unlock?.();
    throw error;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite: client,
    async query<Row>(text: string, params: unknown[] = []) {
      const result = await client.query<Row>(text, params);
      return result.rows;
    },
    async exec(text: string) {
      await client.exec(text);
    },
    transaction(work) {
      return client.transaction((tx) =>
        work(async <Row>(text: string, params: unknown[] = []) => (await tx.query<Row>(text, params)).rows),
      );
    },
    async rows<Row>(query: SQL) {
      const result = (await db.execute(query)) as unknown as { rows: Row[] };
      return result.rows;
    },
    async close() {
      try {
        await client.close();
      } finally {
        await unlock?.();
      }
    },
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  // Notices (such as "relation already exists, skipping") are not errors; keep them out of the log.
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    url,
    async query<Row>(text: string, params: unknown[] = []) {
      return (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
    },
    async exec(text: string) {
      await client.unsafe(text);
    },
    async transaction<T>(work: (query: RawQuery) => Promise<T>) {
      const result = await client.begin((tx) =>
        work(
          async <Row>(text: string, params: unknown[] = []) =>
            (await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[],
        ),
      );
      return result as T;
    },
    async rows<Row>(query: SQL) {
      return (await db.execute(query)) as unknown as Row[];
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as Parameters<typeof migratePglite>[0], { migrationsFolder });
  } else {
    await migratePostgres(database.db as unknown as Parameters<typeof migratePostgres>[0], {
      migrationsFolder,
    });
  }
}

/** Lets the event loop breathe between batches: PGlite runs on the main thread and would freeze the server. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
