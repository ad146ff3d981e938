import postgres from 'postgres';
import type { Database } from '../db/database';

const channel = 'crm_export_jobs';

/**
 * pg-boss workers poll (every second at best), so a new export could sit queued for up to a second.
 * Whoever enqueues an export calls `announce()`: workers in this process are woken at once, and on
 * Postgres a NOTIFY wakes the workers of every other process, which LISTEN through `listen()`. Polling
 * stays as it is, so a lost notification only costs the usual delay.
 */
export interface JobWakeup {
  announce(): Promise<void>;
  listen(wake: () => void): Promise<void>;
  close(): Promise<void>;
}

export function createJobWakeup(database: Database): JobWakeup {
  const localListeners: (() => void)[] = [];
  let listener: postgres.Sql | undefined;
  return {
    async announce() {
      for (const wake of localListeners) wake();
      if (database.kind === 'postgres') await database.query(`select pg_notify('${channel}', '')`);
    },
    async listen(wake) {
      localListeners.push(wake);
      if (database.kind !== 'postgres' || !database.url || listener) return;
      listener = postgres(database.url, { max: 1, onnotice: () => {} });
      await listener.listen(channel, () => {
        for (const each of localListeners) each();
      });
    },
    async close() {
      localListeners.length = 0;
      await listener?.end({ timeout: 5 });
    },
  };
}
