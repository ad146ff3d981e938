import { z } from 'zod';
import {
  CreateViewInput,
  DeleteViewInput,
  GetViewInput,
  ListViewsInput,
  SavedView,
  UpdateViewInput,
} from '../../shared/views';
import { guardedProcedure, router } from '../trpc';
import { createView, deleteView, getView, listViews, updateView } from './saved-views';
import { workspaceScope } from './view-access';

const readProcedure = guardedProcedure({ role: 'viewer', scope: 'views:read' });
const writeProcedure = guardedProcedure({ role: 'member', scope: 'views:write' });

/** Saved views: a named filter, sort and columns of one object, private or shared with the workspace. */
export const viewsRouter = router({
  list: readProcedure
    .input(ListViewsInput)
    .output(z.array(SavedView))
    .query(({ ctx, input }) =>
      listViews(ctx.services.database.db, workspaceScope(ctx.identity), input.object),
    ),
  get: readProcedure
    .input(GetViewInput)
    .output(SavedView)
    .query(({ ctx, input }) => getView(ctx.services.database.db, workspaceScope(ctx.identity), input.id)),
  create: writeProcedure
    .input(CreateViewInput)
    .output(SavedView)
    .mutation(({ ctx, input }) => createView(ctx.services.database.db, workspaceScope(ctx.identity), input)),
  update: writeProcedure
    .input(UpdateViewInput)
    .output(SavedView)
    .mutation(({ ctx, input }) => updateView(ctx.services.database.db, workspaceScope(ctx.identity), input)),
  delete: writeProcedure
    .input(DeleteViewInput)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) =>
      deleteView(ctx.services.database.db, workspaceScope(ctx.identity), input.id),
    ),
});
