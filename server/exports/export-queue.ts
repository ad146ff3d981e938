import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Role } from '../../shared/auth';
import type { ExportFormat } from '../../shared/exports';
import type { Database } from '../db/database';
import type { ExportRequest } from './export-plan';

/**
 * The `exports` table is the queue: a worker takes the next export straight from it, in a fair order.
 *
 * - A `running` export whose worker stopped heartbeating for a lease is taken over first.
 * - Then queued exports by round: an export's round is the number of exports its workspace has running
 *   plus its rank among the workspace's queued ones (oldest first). Taking the lowest round first is
 *   round-robin across workspaces: ten queued Acme exports are rounds 1–10 (or 3–12 with two running),
 *   so a Globex export queued after them is round 1 and starts at the next free slot, not after them.
 *   Within a round, the oldest goes first.
 * - A workspace never has more than `concurrencyPerWorkspace` live running exports, across processes.
 *
 * `queuePositions` ranks queued exports by the same order, so what `exportStatus` shows is the order
 * in which they are taken (while nothing new arrives ahead of them).
 */
export interface QueuePolicy {
  leaseSeconds: number;
  concurrencyPerWorkspace: number;
}

/** How many times an export is started (first run, takeovers after a dead worker, retries after a lost connection). */
export const maxExportAttempts = 3;

export interface ClaimedExport {
  id: string;
  attempts: number;
  workspace_id: string;
  user_id: string;
  format: ExportFormat;
  request: ExportRequest;
  role: Role;
}

/** Serialises claims across processes on Postgres (a transaction-scoped advisory lock; an arbitrary key). */
export const claimLockKey = 7_315_220_931;

/**
 * Live running exports per workspace, and every queued or abandoned export with its round. `lease` is the
 * SQL text of the lease in seconds: `$1` in the statements of this file, a literal in `queuePositionOf`.
 */
const candidatesWithLease = (lease: string) => `
  with live as (
    select workspace_id, count(*)::int as running from exports
    where status = 'running' and updated_at >= now() - make_interval(secs => ${lease})
    group by workspace_id
  )
  select e.id, e.status, e.created_at, coalesce(live.running, 0) as running,
    case when e.status = 'running' then 0
      else coalesce(live.running, 0) + row_number() over (partition by e.workspace_id, e.status order by e.created_at, e.id)
    end as round
  from exports e left join live on live.workspace_id = e.workspace_id
  where e.status = 'queued' or (e.status = 'running' and e.updated_at < now() - make_interval(secs => ${lease}))`;

const candidates = candidatesWithLease('$1');

/** The ranking of queued exports in the order `claimNextExport` takes them (1 = taken next). */
const rankedWithLease = (lease: string) => `
  select c.id, row_number() over (order by c.round, c.created_at, c.id)::int as position
  from (${candidatesWithLease(lease)}) c where c.status = 'queued'`;

/**
 * Takes the next export in the fair order (see above), or nothing when no workspace with waiting work
 * has a free slot. Each claim bumps `attempts`: the fencing token every later write of the run is
 * conditioned on, so a worker that was taken over cannot overwrite the new run's state.
 *
 * `started_at` is `clock_timestamp()`, the moment the row is written, not `now()`, the moment the
 * transaction began: the claim may wait for the lock, and an export that ends meanwhile is already seen
 * as ended. With `now()` a start could read as earlier than an end it came after.
 */
export async function claimNextExport(
  database: Database,
  policy: QueuePolicy,
): Promise<ClaimedExport | undefined> {
  return database.transaction(async (query) => {
    if (database.kind === 'postgres') await query('select pg_advisory_xact_lock($1)', [claimLockKey]);
    const [claimed] = await query<ClaimedExport>(
      `update exports set status = 'running', attempts = attempts + 1, started_at = clock_timestamp(), updated_at = now(),
         processed_rows = 0, error = null
       where id = (
           select id from (${candidates}) c where c.running < $2 order by c.round, c.created_at, c.id limit 1)
         and (status = 'queued' or (status = 'running' and updated_at < now() - make_interval(secs => $1)))
       returning id, attempts, workspace_id, user_id, format, request,
         (select role from users where users.id = exports.user_id) as role`,
      [policy.leaseSeconds, policy.concurrencyPerWorkspace],
    );
    return claimed;
  });
}

/**
 * Fails abandoned exports that have been started `maxExportAttempts` times already, instead of taking
 * them over once more: an export that kills or wedges its worker every time must end, not loop.
 */
export async function failExhaustedExports(
  database: Database,
  leaseSeconds: number,
  maxAttempts = maxExportAttempts,
): Promise<string[]> {
  const error = {
    code: 'INTERNAL_SERVER_ERROR',
    message: `The export was started ${maxAttempts} times and never finished`,
    details: { attempts: maxAttempts },
  };
  const rows = await database.query<{ id: string }>(
    `update exports set status = 'failed', error = $3::jsonb, finished_at = now(), updated_at = now()
     where status = 'running' and updated_at < now() - make_interval(secs => $1) and attempts >= $2
     returning id`,
    [leaseSeconds, maxAttempts, JSON.stringify(error)],
  );
  return rows.map((row) => row.id);
}

/** The position (1 = taken next) of each of `exportIds` that is queued, in the order `claimNextExport` takes them. */
export async function queuePositions(
  database: Database,
  leaseSeconds: number,
  exportIds: readonly string[],
): Promise<Map<string, number>> {
  if (!exportIds.length) return new Map();
  const rows = await database.query<{ id: string; position: number }>(
    `select id, position from (${rankedWithLease('$1')}) ranked where id = any($2::uuid[])`,
    [leaseSeconds, exportIds],
  );
  return new Map(rows.map((row) => [row.id, Number(row.position)]));
}

/**
 * `queuePositions` of one export as an SQL expression, null when it is not queued: exportStatus reads it
 * in the statement that reads the export's row, instead of sending a second one.
 */
export function queuePositionOf(exportId: string | Placeholder, leaseSeconds: number): SQL<number | null> {
  // The lease goes into the text of the ranking (which is shared with the raw statements above).
  if (!Number.isSafeInteger(leaseSeconds))
    throw new Error(`lease must be whole seconds, got ${leaseSeconds}`);
  const ranked = sql.raw(rankedWithLease(String(leaseSeconds)));
  return sql<number | null>`(select ranked.position from (${ranked}) ranked
    where ranked.id = ${exportId}::uuid)`;
}
