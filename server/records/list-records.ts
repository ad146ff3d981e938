import type { z } from 'zod';
import type { ObjectSlug } from '../../shared/catalog';
import type { CountRecordsInput, ListRecordsInput, ListRecordsOutput } from '../../shared/records';
import type { Db } from '../db/database';
import type { WorkspaceScope } from '../views/view-access';
import { countRecords, resolveRecordQuery, selectRecordPage } from './record-query';

/** One page of a record list, its cursor to the next page, and how many records the list holds. */
export async function listRecords(
  db: Db,
  scope: WorkspaceScope,
  object: ObjectSlug,
  input: z.infer<typeof ListRecordsInput>,
): Promise<ListRecordsOutput> {
  const resolved = await resolveRecordQuery(db, scope, object, {
    filter: input.filter,
    viewId: input.viewId,
    sort: input.sort,
  });
  const page = await selectRecordPage(db, resolved, { after: input.cursor, limit: input.limit });
  const total = await countRecords(db, resolved);
  return { records: page.rows, nextCursor: page.nextCursor, total };
}

/** How many records a filter (and view) selects: the record pages' header and the export dialog's estimate. */
export async function countMatchingRecords(
  db: Db,
  scope: WorkspaceScope,
  object: ObjectSlug,
  input: z.infer<typeof CountRecordsInput>,
): Promise<{ total: number }> {
  const resolved = await resolveRecordQuery(db, scope, object, {
    filter: input.filter,
    viewId: input.viewId,
  });
  return { total: await countRecords(db, resolved) };
}
