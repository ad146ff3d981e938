import { and, eq } from 'drizzle-orm';
import type { ObjectSlug } from '../../shared/catalog';
import type { CrmRecord } from '../../shared/records';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { objectTable } from './attributes';
import { recordSelection, toRecord, withRecordJoins } from './record-shape';

/** One record of the workspace by id; another workspace's id is NOT_FOUND, exactly like a missing one. */
export async function getRecord(
  db: Db,
  workspaceId: string,
  object: ObjectSlug,
  id: string,
): Promise<CrmRecord> {
  const table = objectTable(object);
  const [row] = await withRecordJoins(
    db.select(recordSelection(object)).from(table).$dynamic(),
    object,
  ).where(and(eq(table.workspaceId, workspaceId), eq(table.id, id)));
  if (!row) throw new ApiError('NOT_FOUND', `No ${object} record with id '${id}'`, { object, id });
  return toRecord(object, row);
}
