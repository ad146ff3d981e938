import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { ExportStorage } from './storage/export-storage';

/** Deletes the files of completed exports past their expiry and marks them `expired`. */
export async function expireExports(
  database: Database,
  storage: ExportStorage,
  logger: Logger,
): Promise<number> {
  const due = await database.query<{ id: string; storage_key: string | null }>(
    `select id, storage_key from exports where status = 'completed' and expires_at <= now() limit 500`,
  );
  for (const row of due) {
    if (row.storage_key) await storage.delete(row.storage_key);
    await database.query(
      `update exports set status = 'expired', storage_key = null, updated_at = now() where id = $1 and status = 'completed'`,
      [row.id],
    );
  }
  if (due.length) logger.info({ count: due.length }, 'expired export files deleted');
  return due.length;
}
