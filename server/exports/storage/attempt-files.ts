import type { ExportFormat } from '../../../shared/exports';
import type { Database } from '../../db/database';
import { storageKeyOf } from '../run-export';
import { fileTypeOf } from '../writers';
import type { ExportStorage } from './export-storage';

/**
 * Deletes every file an export's attempts may have written (`<workspace>/<export>/attempt-N.<ext>`): for an
 * export failed after its last attempt died, whose worker may have been killed after its upload completed
 * but before the export was marked completed. No later attempt will clean up after it, and the object
 * would be stored (and paid for) with no export pointing to it.
 */
export async function deleteAttemptFiles(
  database: Database,
  storage: ExportStorage,
  exportId: string,
): Promise<number> {
  const [row] = await database.query<{
    workspace_id: string;
    attempts: number;
    format: ExportFormat;
    json_lines: boolean | null;
  }>(
    `select workspace_id, attempts, format, (request->'options'->>'jsonLines')::boolean as json_lines
     from exports where id = $1`,
    [exportId],
  );
  if (!row) return 0;
  const { extension } = fileTypeOf(row.format, row.json_lines ?? false);
  for (let attempt = 1; attempt <= row.attempts; attempt++)
    await storage.delete(storageKeyOf(row.workspace_id, exportId, attempt, extension));
  return row.attempts;
}
