import { and, eq } from 'drizzle-orm';
import { savedViews } from '../../drizzle/schema';
import type { Role } from '../../shared/auth';
import { isUuid } from '../../shared/filters';
import type { Identity } from '../auth/identity';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';

/** Who is asking: the workspace they act in, and who they are there. */
export interface WorkspaceScope {
  workspaceId: string;
  userId: string;
  role: Role;
}

/** The scope of an authenticated caller. */
export function workspaceScope(identity: Identity): WorkspaceScope {
  return { workspaceId: identity.workspace.id, userId: identity.user.id, role: identity.user.role };
}

export type SavedViewRow = typeof savedViews.$inferSelect;

/** A view is visible to its owner, to everyone in the workspace when shared, and to admins. */
export function canSeeView(scope: WorkspaceScope, view: SavedViewRow): boolean {
  return (
    view.workspaceId === scope.workspaceId &&
    (view.shared || view.ownerId === scope.userId || scope.role === 'admin')
  );
}

/** Its owner edits a view, and an admin edits any view of the workspace. */
export function canEditView(scope: WorkspaceScope, view: SavedViewRow): boolean {
  return view.workspaceId === scope.workspaceId && (view.ownerId === scope.userId || scope.role === 'admin');
}

/**
 * The view `id` if the caller may see it. Another workspace's view and another member's private view
 * are NOT_FOUND, exactly like a missing one, so ids cannot be probed.
 */
export async function findVisibleView(db: Db, scope: WorkspaceScope, id: string): Promise<SavedViewRow> {
  const notFound = new ApiError('NOT_FOUND', `No saved view with id '${id}'`, { field: 'viewId', id });
  if (!isUuid(id)) throw notFound;
  const [view] = await db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.id, id), eq(savedViews.workspaceId, scope.workspaceId)));
  if (!view || !canSeeView(scope, view)) throw notFound;
  return view;
}
