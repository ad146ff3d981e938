import type { ObjectSlug } from '../../shared/catalog';
import {
  AssertRecordInput,
  AssertRecordOutput,
  CountRecordsInput,
  CountRecordsOutput,
  CrmRecord,
  GetRecordInput,
  ListRecordsInput,
  ListRecordsOutput,
} from '../../shared/records';
import { guardedProcedure, router } from '../trpc';
import { workspaceScope } from '../views/view-access';
import { type AssertableObject, assertRecord } from './assert-record';
import { getRecord } from './get-record';
import { countMatchingRecords, listRecords } from './list-records';

const readProcedure = guardedProcedure({ role: 'viewer', scope: 'records:read' });
const writeProcedure = guardedProcedure({ role: 'member', scope: 'records:write' });

/** The procedures every CRM object has, one router per object. */
export function recordsRouter(object: ObjectSlug) {
  return router({
    get: readProcedure
      .input(GetRecordInput)
      .output(CrmRecord)
      .query(({ ctx, input }) =>
        getRecord(ctx.services.database.db, ctx.identity.workspace.id, object, input.id),
      ),
    list: readProcedure
      .input(ListRecordsInput)
      .output(ListRecordsOutput)
      .query(({ ctx, input }) =>
        listRecords(ctx.services.database.db, workspaceScope(ctx.identity), object, input),
      ),
    count: readProcedure
      .input(CountRecordsInput)
      .output(CountRecordsOutput)
      .query(({ ctx, input }) =>
        countMatchingRecords(ctx.services.database.db, workspaceScope(ctx.identity), object, input),
      ),
  });
}

/** People and companies can also be asserted: created or updated by a matching attribute. */
export function assertableRecordsRouter(object: AssertableObject) {
  return router({
    ...recordsRouter(object)._def.procedures,
    assert: writeProcedure
      .input(AssertRecordInput)
      .output(AssertRecordOutput)
      .mutation(({ ctx, input }) =>
        assertRecord(ctx.services.database.db, ctx.identity.workspace.id, object, input),
      ),
  });
}
