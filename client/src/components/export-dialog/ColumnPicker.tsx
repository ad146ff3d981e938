import { useRef } from 'react';
import type { ColumnChoice } from './export-form';

/** Columns as checkboxes; the order shown is the file's order, changed with the arrows (or dragging). */
export function ColumnPicker({
  columns,
  onChange,
  onReset,
}: {
  columns: ColumnChoice[];
  onChange(columns: ColumnChoice[]): void;
  onReset(): void;
}) {
  const dragged = useRef<number | null>(null);
  const checkedCount = columns.filter((column) => column.checked).length;

  function move(from: number, to: number) {
    if (to < 0 || to >= columns.length || from === to) return;
    const next = [...columns];
    const [item] = next.splice(from, 1);
    if (item) next.splice(to, 0, item);
    onChange(next);
  }

  return (
    <fieldset className="form-section column-picker">
      <legend className="visually-hidden">Columns</legend>
      <div className="section-head">
        <span className="section-title" aria-hidden="true">
          Columns{' '}
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
            Reset to page columns
          </button>
        </div>
      </div>
      <ol className="column-list">
        {columns.map((column, index) => (
          <li
            key={column.slug}
            className={`column-item${column.checked ? '' : ' is-off'}`}
            draggable
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
            <label className="check">
              <input
                type="checkbox"
                checked={column.checked}
                onChange={(event) =>
                  onChange(
                    columns.map((candidate) =>
                      candidate.slug === column.slug
                        ? { ...candidate, checked: event.target.checked }
                        : candidate,
                    ),
                  )
                }
              />
              {column.label}
            </label>
            <span className="column-move">
              <button
                type="button"
                className="icon-button icon-button-sm"
                aria-label={`Move ${column.label} up`}
                disabled={index === 0}
                onClick={() => move(index, index - 1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="icon-button icon-button-sm"
                aria-label={`Move ${column.label} down`}
                disabled={index === columns.length - 1}
                onClick={() => move(index, index + 1)}
              >
                ↓
              </button>
            </span>
          </li>
        ))}
      </ol>
      {checkedCount === 0 ? <p className="field-error">Choose at least one column.</p> : null}
    </fieldset>
  );
}
