import { type FormEvent, useEffect, useRef, useState } from 'react';
import { structuredErrorOf } from '../../../../shared/api-errors';
import { type ObjectSlug, objectSpec } from '../../../../shared/catalog';
import type { FilterInput, SortInput } from '../../../../shared/records';
import type { SavedView, ViewDateRange } from '../../../../shared/views';
import { hasRole, useSession } from '../../app/session';
import { trpc } from '../../trpc';
import { Button } from '../ui/Button';
import { Popover } from '../ui/Popover';

type Mode = { kind: 'list' } | { kind: 'save' } | { kind: 'rename' } | { kind: 'delete' };

/** Saved views of one object: apply one, save the current filters / sort / columns, rename, share, delete. */
export function ViewsMenu({
  object,
  views,
  currentView,
  modified,
  current,
  canSave,
  onApply,
}: {
  object: ObjectSlug;
  views: readonly SavedView[];
  currentView: SavedView | null;
  modified: boolean;
  /** What is on screen; a relative date range ("Last 7 days") is saved as `dateRange`, not as dates. */
  current: { filter: FilterInput; dateRange: ViewDateRange | null; sort: SortInput; columns: string[] };
  canSave: boolean;
  onApply(view: SavedView | null): void;
}) {
  const me = useSession();
  const spec = objectSpec(object);
  const utils = trpc.useUtils();
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const invalidate = () => utils.views.list.invalidate();
  const create = trpc.views.create.useMutation({ onSuccess: invalidate });
  const update = trpc.views.update.useMutation({ onSuccess: invalidate });
  const remove = trpc.views.delete.useMutation({ onSuccess: invalidate });
  const mutationError = structuredErrorOf(create.error ?? update.error ?? remove.error);
  const canCreate = hasRole(me, 'member');

  const mine = views.filter((view) => view.ownerId === me.user.id);
  const shared = views.filter((view) => view.ownerId !== me.user.id);

  const label = currentView ? (
    <>
      <span className="view-dot" aria-hidden="true" />
      {currentView.name}
      {modified ? <span className="chip-value">edited</span> : null}
    </>
  ) : (
    'Views'
  );

  return (
    <Popover label={label} panelLabel="Saved views" align="end" buttonClassName="btn btn-secondary">
      {(close) => {
        const apply = (view: SavedView | null) => {
          onApply(view);
          setMode({ kind: 'list' });
          close();
        };
        if (mode.kind === 'save' || mode.kind === 'rename') {
          return (
            <ViewNameForm
              title={mode.kind === 'save' ? 'Save current view' : 'Rename view'}
              initialName={mode.kind === 'rename' ? (currentView?.name ?? '') : ''}
              initialShared={mode.kind === 'rename' ? (currentView?.shared ?? false) : false}
              showShared={mode.kind === 'save'}
              busy={create.isPending || update.isPending}
              error={mutationError?.message}
              onCancel={() => setMode({ kind: 'list' })}
              onSubmit={async (name, isShared) => {
                if (mode.kind === 'save') {
                  const created = await create.mutateAsync({
                    object,
                    name,
                    filter: current.filter,
                    dateRange: current.dateRange,
                    sort: current.sort,
                    columns: current.columns,
                    shared: isShared,
                  });
                  apply(created);
                } else if (currentView) {
                  await update.mutateAsync({ id: currentView.id, name });
                  setMode({ kind: 'list' });
                }
              }}
            />
          );
        }
        if (mode.kind === 'delete' && currentView) {
          return (
            <div className="menu-form">
              <h3>Delete “{currentView.name}”?</h3>
              <p className="muted">
                {currentView.shared ? 'It is shared: it disappears for everyone in the workspace. ' : ''}
                Exports already made from it are kept.
              </p>
              {mutationError ? <p className="field-error">{mutationError.message}</p> : null}
              <div className="menu-form-actions">
                <Button size="sm" variant="ghost" onClick={() => setMode({ kind: 'list' })}>
                  Keep it
                </Button>
                <Button
                  size="sm"
                  variant="danger"
                  busy={remove.isPending}
                  onClick={async () => {
                    await remove.mutateAsync({ id: currentView.id });
                    apply(null);
                  }}
                >
                  Delete view
                </Button>
              </div>
            </div>
          );
        }
        return (
          <div className="menu">
            <ul className="menu-list" aria-label="Views">
              <li>
                <button
                  type="button"
                  className={`menu-item${currentView ? '' : ' is-current'}`}
                  aria-current={currentView ? undefined : 'true'}
                  onClick={() => apply(null)}
                >
                  All {spec.plural.toLowerCase()}
                </button>
              </li>
              {[...mine, ...shared].map((view) => (
                <li key={view.id}>
                  <button
                    type="button"
                    className={`menu-item${view.id === currentView?.id ? ' is-current' : ''}`}
                    aria-current={view.id === currentView?.id ? 'true' : undefined}
                    onClick={() => apply(view)}
                  >
                    <span className="menu-item-label">{view.name}</span>
                    <span className="menu-item-meta">
                      {view.shared ? <span className="pill">Shared</span> : null}
                      {view.ownerId !== me.user.id ? <span className="subtle">{view.ownerName}</span> : null}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {views.length === 0 ? <p className="menu-empty subtle">No saved views yet.</p> : null}
            <div className="menu-separator" />
            {currentView?.editable ? (
              <>
                {modified ? (
                  <button
                    type="button"
                    className="menu-item"
                    disabled={!canSave || update.isPending}
                    onClick={() =>
                      update.mutate({
                        id: currentView.id,
                        filter: current.filter,
                        dateRange: current.dateRange,
                        sort: current.sort,
                        columns: current.columns,
                      })
                    }
                  >
                    Save changes to “{currentView.name}”
                  </button>
                ) : null}
                <button type="button" className="menu-item" onClick={() => setMode({ kind: 'rename' })}>
                  Rename…
                </button>
                <label className="menu-item menu-check">
                  <input
                    type="checkbox"
                    checked={currentView.shared}
                    disabled={update.isPending}
                    onChange={(event) => update.mutate({ id: currentView.id, shared: event.target.checked })}
                  />
                  Shared with the workspace
                </label>
                <button
                  type="button"
                  className="menu-item menu-item-danger"
                  onClick={() => setMode({ kind: 'delete' })}
                >
                  Delete view…
                </button>
                <div className="menu-separator" />
              </>
            ) : null}
            {canCreate ? (
              <button
                type="button"
                className="menu-item"
                disabled={!canSave}
                onClick={() => setMode({ kind: 'save' })}
              >
                + Save current filters as a view…
              </button>
            ) : (
              <p className="menu-empty subtle">Viewers can use shared views but not save new ones.</p>
            )}
            {mutationError ? <p className="field-error menu-empty">{mutationError.message}</p> : null}
          </div>
        );
      }}
    </Popover>
  );
}

function ViewNameForm({
  title,
  initialName,
  initialShared,
  showShared,
  busy,
  error,
  onCancel,
  onSubmit,
}: {
  title: string;
  initialName: string;
  initialShared: boolean;
  showShared: boolean;
  busy: boolean;
  error: string | undefined;
  onCancel(): void;
  onSubmit(name: string, shared: boolean): Promise<void>;
}) {
  const [name, setName] = useState(initialName);
  const input = useRef<HTMLInputElement>(null);
  // The form opens because the user asked to type a name: put the caret there.
  useEffect(() => input.current?.focus(), []);
  const [isShared, setShared] = useState(initialShared);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim()) void onSubmit(name.trim(), isShared).catch(() => {});
  }
  return (
    <form className="menu-form" onSubmit={submit}>
      <h3>{title}</h3>
      <label className="field">
        <span className="field-label">Name</span>
        <input
          ref={input}
          className="input"
          value={name}
          maxLength={120}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      {showShared ? (
        <label className="check">
          <input type="checkbox" checked={isShared} onChange={(event) => setShared(event.target.checked)} />
          Share with the workspace
        </label>
      ) : null}
      {error ? <p className="field-error">{error}</p> : null}
      <div className="menu-form-actions">
        <Button size="sm" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button size="sm" variant="primary" type="submit" busy={busy} disabled={!name.trim()}>
          Save view
        </Button>
      </div>
    </form>
  );
}
