import postgres from 'postgres';
import type { Database } from '../db/database';

const channels = { job: 'crm_export_jobs', cancel: 'crm_export_cancel' } as const;
type Signal = keyof typeof channels;

/**
 * Signals between the process that takes a request and the processes that run exports, so neither
 * side has to poll for them:
 * - `job`: a new export was queued. pg-boss workers poll (every second at best); this wakes them at once.
 * - `cancel`: an export was cancelled. The running job learns it before its next batch, without a
 *   database round trip per batch.
 * In one process (and always on PGlite) the signal is a function call; on Postgres a NOTIFY reaches the
 * workers of every other process, which LISTEN. Nothing depends on a signal arriving: workers still
 * poll, and a running export still checks its row every 250 ms when it writes its progress.
 */
export interface ExportSignals {
  send(signal: Signal, payload?: string): Promise<void>;
  on(signal: Signal, handler: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

export function createExportSignals(database: Database): ExportSignals {
  const handlers: Record<Signal, ((payload: string) => void)[]> = { job: [], cancel: [] };
  const listening = new Set<Signal>();
  let listener: postgres.Sql | undefined;
  const dispatch = (signal: Signal, payload: string) => {
    for (const handler of handlers[signal]) handler(payload);
  };
  return {
    async send(signal, payload = '') {
      dispatch(signal, payload);
      if (database.kind === 'postgres')
        await database.query('select pg_notify($1, $2)', [channels[signal], payload]);
    },
    async on(signal, handler) {
      handlers[signal].push(handler);
      if (database.kind !== 'postgres' || !database.url || listening.has(signal)) return;
      listening.add(signal);
      listener ??= postgres(database.url, { max: 1, onnotice: () => {} });
      // This process hears its own NOTIFY too; handlers are idempotent (wake a worker, mark an id).
      await listener.listen(channels[signal], (payload) => dispatch(signal, payload));
    },
    async close() {
      handlers.job.length = 0;
      handlers.cancel.length = 0;
      await listener?.end({ timeout: 5 });
    },
  };
}
