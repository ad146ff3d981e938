import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/database';

/** How often a worker says it is alive, and how long after its last word it counts as gone. */
export const heartbeatIntervalMs = 5_000;
export const workerAliveSeconds = 15;

export interface WorkerHeartbeat {
  id: string;
  /** Deletes the worker's row: it is gone at once, not after `workerAliveSeconds`. */
  stop(): Promise<void>;
}

/**
 * Registers this process's export workers in `export_workers` and heartbeats the row, so that web processes
 * (which may run no worker at all, `npm run web`) can tell a queued export that nobody is there to take it.
 * A killed process leaves its row behind; it stops counting after `workerAliveSeconds`, and rows silent for
 * an hour are deleted by the next worker that starts.
 */
export async function startWorkerHeartbeat(
  database: Database,
  options: { slots: number; logger: Logger; intervalMs?: number },
): Promise<WorkerHeartbeat> {
  const id = randomUUID();
  await database.query(`delete from export_workers where heartbeat_at < now() - interval '1 hour'`);
  await database.query('insert into export_workers (id, host, pid, slots) values ($1, $2, $3, $4)', [
    id,
    hostname(),
    process.pid,
    options.slots,
  ]);
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = database
      .query(
        // Upsert: a row deleted meanwhile (by a cleanup after a long pause of this process) comes back.
        `insert into export_workers (id, host, pid, slots) values ($1, $2, $3, $4)
         on conflict (id) do update set heartbeat_at = now()`,
        [id, hostname(), process.pid, options.slots],
      )
      .catch((error: unknown) => options.logger.warn({ err: error }, 'worker heartbeat failed'));
  }, options.intervalMs ?? heartbeatIntervalMs);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await beating;
      await database.query('delete from export_workers where id = $1', [id]);
    },
  };
}

/** Export workers that have heartbeaten within `workerAliveSeconds`, on any machine. */
export async function aliveWorkerCount(database: Database): Promise<number> {
  const [row] = await database.query<{ alive: number }>(
    `select count(*)::int as alive from export_workers
     where heartbeat_at > now() - make_interval(secs => $1)`,
    [workerAliveSeconds],
  );
  return row?.alive ?? 0;
}

/** `aliveWorkerCount(…) === 0` as an SQL expression, for a statement that reads it beside other things. */
export function noWorkerAlive(): SQL<boolean> {
  return sql<boolean>`not exists (select 1 from export_workers
    where heartbeat_at > now() - make_interval(secs => ${workerAliveSeconds}))`;
}
