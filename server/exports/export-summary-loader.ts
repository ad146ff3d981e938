import { eq } from 'drizzle-orm';
import { exports } from '../../drizzle/schema';
import type { ExportSummary } from '../../shared/exports';
import type { Database } from '../db/database';
import { selectExportsWithRequester, toExportSummary, withRequester } from './export-summary';

/** The summary of an export by id, with no caller check: for jobs and notifications only. */
export async function loadExportSummary(
  database: Database,
  exportId: string,
): Promise<ExportSummary | undefined> {
  const [row] = await selectExportsWithRequester(database.db).where(eq(exports.id, exportId)).limit(1);
  return row ? toExportSummary(withRequester(row)) : undefined;
}
