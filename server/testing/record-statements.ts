import type { Database } from '../db/database';

export interface StatementRecorder {
  /** The SQL text of every statement sent since the recorder started (or since the last `clear`). */
  readonly statements: string[];
  clear(): void;
  stop(): void;
}

/**
 * Records every statement the app sends through `database`, drizzle's and raw ones alike, on PGlite and
 * on Postgres: both go through the driver's client (`db.$client`), whose `query` (PGlite) or `unsafe`
 * (postgres.js) is wrapped here. Statements inside `database.transaction` on Postgres run on a reserved
 * connection and are not seen; nothing a status call does uses one.
 */
export function recordStatements(database: Database): StatementRecorder {
  const client = (database.db as unknown as { $client: Record<string, unknown> }).$client;
  const method = database.kind === 'pglite' ? 'query' : 'unsafe';
  const original = client[method] as (text: string, ...rest: unknown[]) => unknown;
  const statements: string[] = [];
  client[method] = function (this: unknown, text: string, ...rest: unknown[]) {
    statements.push(text);
    return original.call(this, text, ...rest);
  };
  return {
    statements,
    clear() {
      statements.length = 0;
    },
    stop() {
      client[method] = original;
    },
  };
}
