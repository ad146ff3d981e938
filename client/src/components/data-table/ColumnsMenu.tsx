import { useState } from 'react';
import type { ObjectSlug } from '../../../../shared/catalog';
import { ColumnPicker } from '../export-dialog/ColumnPicker';
import { type ColumnChoice, initialColumns } from '../export-dialog/export-form';
import { Popover } from '../ui/Popover';

/**
 * The table's "Columns" menu: show, hide and reorder columns. The choice lives in the URL (so it survives
 * a reload and can be shared) and is saved with the view from the Views menu.
 */
export function ColumnsMenu({
  object,
  columns,
  defaults,
  onChange,
}: {
  object: ObjectSlug;
  /** The columns shown now, in order. */
  columns: readonly string[];
  /** The view's (or the object's) columns: what "Reset" goes back to. */
  defaults: readonly string[];
  onChange(columns: string[] | null): void;
}) {
  return (
    <Popover
      label={
        <>
          <svg width="14" height="14" viewBox="0 0 16 16" fill="none" aria-hidden="true">
            <path d="M2.5 3h11v10h-11zM6.2 3v10M9.8 3v10" stroke="currentColor" strokeWidth="1.4" />
          </svg>
          Columns <span className="subtle numeric">{columns.length}</span>
        </>
      }
      panelLabel="Table columns"
      align="end"
      buttonClassName="btn btn-secondary btn-sm"
    >
      {() => <ColumnsPanel object={object} columns={columns} defaults={defaults} onChange={onChange} />}
    </Popover>
  );
}

function ColumnsPanel({
  object,
  columns,
  defaults,
  onChange,
}: {
  object: ObjectSlug;
  columns: readonly string[];
  defaults: readonly string[];
  onChange(columns: string[] | null): void;
}) {
  // The unchecked columns keep their place while the menu is open, so a column hidden by mistake is
  // shown again where it was.
  const [choices, setChoices] = useState<ColumnChoice[]>(() => initialColumns(object, columns));
  function update(next: ColumnChoice[]) {
    setChoices(next);
    const shown = next.filter((choice) => choice.checked).map((choice) => choice.slug);
    if (shown.length === 0) return;
    onChange(shown.join(',') === defaults.join(',') ? null : shown);
  }
  return (
    <div className="columns-menu">
      <ColumnPicker
        compact
        legend="Columns shown"
        resetLabel="Reset"
        columns={choices}
        onChange={update}
        onReset={() => {
          setChoices(initialColumns(object, defaults));
          onChange(null);
        }}
      />
    </div>
  );
}
