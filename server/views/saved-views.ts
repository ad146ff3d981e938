import { and, asc, eq, or, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { savedViews, users } from '../../drizzle/schema';
import { findAttribute, type ObjectSlug } from '../../shared/catalog';
import type { CreateViewInput, SavedView, UpdateViewInput, ViewDateRange } from '../../shared/views';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { parseFilter } from '../records/filters/parse-filter';
import { resolveOrder, type SortKey, viewDateRange } from '../records/record-query';
import { canEditView, findVisibleView, type SavedViewRow, type WorkspaceScope } from './view-access';

function toSavedView(scope: WorkspaceScope, view: SavedViewRow, ownerName: string): SavedView {
  return {
    id: view.id,
    object: view.object,
    name: view.name,
    filter: view.filter,
    sort: view.sort,
    columns: view.columns,
    dateRange: viewDateRange(view.dateRange),
    shared: view.shared,
    ownerId: view.ownerId,
    ownerName,
    editable: canEditView(scope, view),
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  };
}

async function ownerName(db: Db, ownerId: string): Promise<string> {
  const [owner] = await db.select({ name: users.name }).from(users).where(eq(users.id, ownerId));
  return owner?.name ?? '';
}

/** Columns must be attributes of the object, each once. */
function checkColumns(object: ObjectSlug, columns: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const [index, slug] of columns.entries()) {
    const problem = !findAttribute(object, slug)
      ? `Unknown attribute '${slug}' for ${object}`
      : seen.has(slug)
        ? `'${slug}' appears twice in the columns`
        : undefined;
    if (problem) {
      throw new ApiError('VALIDATION_ERROR', problem, {
        issues: [{ path: `columns.${index}`, code: 'invalid_column', message: problem }],
      });
    }
    seen.add(slug);
  }
  return [...columns];
}

/** A view's filter, sort, columns and date range checked against the catalog before they are stored. */
function checkDefinition(
  object: ObjectSlug,
  definition: {
    filter?: Record<string, unknown>;
    sort?: SortKey[];
    columns?: string[];
    dateRange?: ViewDateRange | null;
  },
): void {
  if (definition.filter !== undefined) parseFilter(object, definition.filter);
  if (definition.dateRange) {
    const { attribute } = definition.dateRange;
    const type = findAttribute(object, attribute)?.type;
    if (type !== 'date' && type !== 'timestamp') {
      const message = `'${attribute}' is not a date attribute of ${object}`;
      throw new ApiError('VALIDATION_ERROR', message, {
        issues: [{ path: 'dateRange.attribute', code: 'invalid_date_attribute', message }],
      });
    }
  }
  if (definition.sort !== undefined) resolveOrder(object, definition.sort);
  if (definition.columns !== undefined) checkColumns(object, definition.columns);
}

/** The views the caller can see (their own, shared ones; all of them for an admin), by name. */
export async function listViews(db: Db, scope: WorkspaceScope, object?: ObjectSlug): Promise<SavedView[]> {
  const visibility: SQL | undefined =
    scope.role === 'admin'
      ? undefined
      : or(eq(savedViews.shared, true), eq(savedViews.ownerId, scope.userId));
  const rows = await db
    .select({ view: savedViews, ownerName: users.name })
    .from(savedViews)
    .innerJoin(users, eq(users.id, savedViews.ownerId))
    .where(
      and(
        eq(savedViews.workspaceId, scope.workspaceId),
        object ? eq(savedViews.object, object) : undefined,
        visibility,
      ),
    )
    .orderBy(asc(savedViews.name), asc(savedViews.id));
  return rows.map((row) => toSavedView(scope, row.view, row.ownerName));
}

export async function getView(db: Db, scope: WorkspaceScope, id: string): Promise<SavedView> {
  const view = await findVisibleView(db, scope, id);
  return toSavedView(scope, view, await ownerName(db, view.ownerId));
}

export async function createView(
  db: Db,
  scope: WorkspaceScope,
  input: z.infer<typeof CreateViewInput>,
): Promise<SavedView> {
  checkDefinition(input.object, input);
  const [view] = await db
    .insert(savedViews)
    .values({
      workspaceId: scope.workspaceId,
      ownerId: scope.userId,
      object: input.object,
      name: input.name,
      filter: input.filter,
      sort: input.sort,
      columns: input.columns,
      dateRange: input.dateRange,
      shared: input.shared,
    })
    .returning();
  if (!view) throw new Error('insert returned nothing');
  return toSavedView(scope, view, await ownerName(db, view.ownerId));
}

/** A view the caller may change: visible (else NOT_FOUND) and theirs or they are an admin (else FORBIDDEN). */
async function findEditableView(db: Db, scope: WorkspaceScope, id: string): Promise<SavedViewRow> {
  const view = await findVisibleView(db, scope, id);
  if (!canEditView(scope, view)) {
    throw new ApiError('FORBIDDEN', 'Only the owner of a view or an admin can change it', {
      required_role: 'admin',
      role: scope.role,
    });
  }
  return view;
}

export async function updateView(
  db: Db,
  scope: WorkspaceScope,
  input: z.infer<typeof UpdateViewInput>,
): Promise<SavedView> {
  const view = await findEditableView(db, scope, input.id);
  const { id, ...changes } = input;
  checkDefinition(view.object, changes);
  const [updated] = await db
    .update(savedViews)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(savedViews.id, id), eq(savedViews.workspaceId, scope.workspaceId)))
    .returning();
  if (!updated) throw new ApiError('NOT_FOUND', `No saved view with id '${id}'`, { field: 'id', id });
  return toSavedView(scope, updated, await ownerName(db, updated.ownerId));
}

export async function deleteView(db: Db, scope: WorkspaceScope, id: string): Promise<{ id: string }> {
  await findEditableView(db, scope, id);
  await db
    .delete(savedViews)
    .where(and(eq(savedViews.id, id), eq(savedViews.workspaceId, scope.workspaceId)));
  return { id };
}
