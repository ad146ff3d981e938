import { type KeyboardEvent, useId, useRef, useState } from 'react';
import type { ColumnChoice } from './export-form';

/**
 * Consecutive columns in runs: a linked record's columns left out of the file (`group`, the relation)
 * are shown together under it; the chosen ones and the object's own are not grouped.
 */
function runsOf(columns: readonly ColumnChoice[]) {
  const runs: { group?: string; items: { column: ColumnChoice; index: number }[] }[] = [];
  columns.forEach((column, index) => {
    const group = column.checked ? undefined : column.group;
    const last = runs.at(-1);
    if (last && last.group === group) last.items.push({ column, index });
    else runs.push({ group, items: [{ column, index }] });
  });
  return runs;
}

/** Moves the item at `from` to `to`; out-of-range moves return the list unchanged. */
export function moveColumn<T>(items: readonly T[], from: number, to: number): T[] {
  if (to < 0 || to >= items.length || from === to || from < 0 || from >= items.length) return [...items];
  const next = [...items];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

/**
 * Columns as one multi-select listbox (the ARIA listbox pattern): a single tab stop; ↑/↓, Home and End
 * move; Space includes or leaves out; Alt+↑/↓ moves the column, whose order is the file's (or the
 * table's). Dragging reorders with the mouse; the two buttons move the active column.
 */
export function ColumnPicker({
  columns,
  onChange,
  onReset,
  resetLabel = 'Reset to page columns',
  legend = 'Columns',
  compact = false,
}: {
  columns: ColumnChoice[];
  onChange(columns: ColumnChoice[]): void;
  onReset(): void;
  resetLabel?: string;
  legend?: string;
  compact?: boolean;
}) {
  const dragged = useRef<number | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const [activeSlug, setActiveSlug] = useState<string | null>(null);
  const instructionsId = useId();
  const labelId = useId();
  const optionId = useId();
  const checkedCount = columns.filter((column) => column.checked).length;
  const activeIndex = Math.max(
    0,
    columns.findIndex((column) => column.slug === activeSlug),
  );
  const active = columns[activeIndex];

  function focusOption(slug: string) {
    setActiveSlug(slug);
    // After React has rendered the new order, so the option is where it will stay.
    requestAnimationFrame(() =>
      list.current?.querySelector<HTMLElement>(`[data-slug="${CSS.escape(slug)}"]`)?.focus(),
    );
  }

  function move(from: number, to: number) {
    const item = columns[from];
    if (!item || to < 0 || to >= columns.length) return;
    onChange(moveColumn(columns, from, to));
    focusOption(item.slug);
  }

  function toggle(slug: string) {
    onChange(
      columns.map((column) => (column.slug === slug ? { ...column, checked: !column.checked } : column)),
    );
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = activeIndex;
    const current = columns[index];
    if (!current) return;
    const reorder = event.altKey || (event.ctrlKey && event.shiftKey);
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        event.preventDefault();
        const target = event.key === 'ArrowDown' ? index + 1 : index - 1;
        if (reorder) move(index, target);
        else {
          const next = columns[target];
          if (next) focusOption(next.slug);
        }
        return;
      }
      case 'Home':
      case 'End': {
        event.preventDefault();
        const target = event.key === 'Home' ? 0 : columns.length - 1;
        if (reorder) move(index, target);
        else {
          const next = columns[target];
          if (next) focusOption(next.slug);
        }
        return;
      }
      case ' ':
      case 'Enter':
        event.preventDefault();
        toggle(current.slug);
        return;
      case 'a':
        if (event.ctrlKey || event.metaKey) {
          event.preventDefault();
          onChange(columns.map((column) => ({ ...column, checked: true })));
        }
        return;
    }
  }

  const option = (column: ColumnChoice, index: number) => (
    <div
      key={column.slug}
      id={`${optionId}-${column.slug}`}
      data-slug={column.slug}
      role="option"
      aria-selected={column.checked}
      aria-posinset={index + 1}
      aria-setsize={columns.length}
      tabIndex={index === activeIndex ? 0 : -1}
      className={`column-item${column.checked ? '' : ' is-off'}${index === activeIndex ? ' is-active' : ''}`}
      draggable
      onFocus={() => setActiveSlug(column.slug)}
      onClick={() => {
        setActiveSlug(column.slug);
        toggle(column.slug);
      }}
      onKeyDown={() => {}}
      onDragStart={() => {
        dragged.current = index;
      }}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        if (dragged.current !== null) move(dragged.current, index);
        dragged.current = null;
      }}
    >
      <span className="drag-handle" aria-hidden="true">
        ⋮⋮
      </span>
      <span className={`check-box${column.checked ? ' is-checked' : ''}`} aria-hidden="true">
        {column.checked ? '✓' : ''}
      </span>
      <span className="column-label">{column.label}</span>
      <span className="column-position subtle numeric" aria-hidden="true">
        {index + 1}
      </span>
    </div>
  );

  return (
    <div className={`form-section column-picker${compact ? ' is-compact' : ''}`}>
      <div className="section-head">
        <span className="section-title" id={labelId}>
          {legend}{' '}
          <span className="subtle">
            ({checkedCount} of {columns.length})
          </span>
        </span>
        <div className="column-tools">
          <button
            type="button"
            className="link-button"
            onClick={() => onChange(columns.map((column) => ({ ...column, checked: true })))}
          >
            Select all
          </button>
          <button type="button" className="link-button" onClick={onReset}>
            {resetLabel}
          </button>
        </div>
      </div>
      <p className="field-hint" id={instructionsId}>
        <kbd>↑</kbd> <kbd>↓</kbd> choose · <kbd>Space</kbd> include · <kbd>Alt</kbd>+<kbd>↑</kbd> <kbd>↓</kbd>{' '}
        move
      </p>
      <div
        ref={list}
        className="column-list"
        role="listbox"
        aria-multiselectable="true"
        aria-labelledby={labelId}
        aria-describedby={instructionsId}
        aria-invalid={checkedCount === 0 || undefined}
        onKeyDown={onKeyDown}
      >
        {runsOf(columns).map((run) =>
          run.group ? (
            // biome-ignore lint/a11y/useSemanticElements: the listbox pattern's option group is role="group"; a fieldset is not allowed in a listbox
            <div
              key={`group-${run.group}-${run.items[0]?.index}`}
              role="group"
              aria-label={`From ${run.group}`}
            >
              <div className="column-group-label subtle" aria-hidden="true">
                From {run.group}
              </div>
              {run.items.map(({ column, index }) => option(column, index))}
            </div>
          ) : (
            run.items.map(({ column, index }) => option(column, index))
          ),
        )}
      </div>
      <div className="column-move-bar">
        <span className="subtle">{active ? active.label : ''}</span>
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          aria-label={active ? `Move ${active.label} up` : 'Move up'}
          disabled={activeIndex === 0}
          onClick={() => move(activeIndex, activeIndex - 1)}
        >
          ↑ Up
        </button>
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          aria-label={active ? `Move ${active.label} down` : 'Move down'}
          disabled={activeIndex === columns.length - 1}
          onClick={() => move(activeIndex, activeIndex + 1)}
        >
          ↓ Down
        </button>
      </div>
      {checkedCount === 0 ? (
        <p className="field-error" role="alert">
          Choose at least one column.
        </p>
      ) : null}
    </div>
  );
}
