import type { ObjectSlug } from '../../shared/catalog';
import { CrmRecord, GetRecordInput } from '../../shared/records';
import { guardedProcedure, router } from '../trpc';
import { getRecord } from './get-record';

const readProcedure = guardedProcedure({ role: 'viewer', scope: 'records:read' });

/** The procedures every CRM object has, one router per object. */
export function recordsRouter(object: ObjectSlug) {
  return router({
    get: readProcedure
      .input(GetRecordInput)
      .output(CrmRecord)
      .query(({ ctx, input }) =>
        getRecord(ctx.services.database.db, ctx.identity.workspace.id, object, input.id),
      ),
  });
}
