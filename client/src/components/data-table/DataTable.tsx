import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { type ObjectSlug, objectSpec } from '../../../../shared/catalog';
import type { CrmRecord, SortInput } from '../../../../shared/records';
import { Link } from '../../navigation';
import { CellValue } from './CellValue';

type Sort = SortInput[number];

export function DataTable({
  object,
  columns,
  records,
  sort,
  onSort,
  busy,
  caption,
  scrollCueSlot,
  selection,
}: {
  object: ObjectSlug;
  columns: readonly string[];
  records: readonly CrmRecord[];
  sort: Sort;
  onSort(sort: Sort): void;
  busy: boolean;
  caption: string;
  /** Where the "more columns" cue goes (the table's toolbar), so it never covers a column header. */
  scrollCueSlot?: HTMLElement | null;
  /** Row selection (a checkbox column), for exporting what is selected. */
  selection?: {
    selected: ReadonlySet<string>;
    onChange(ids: readonly string[], selected: boolean): void;
  };
}) {
  const spec = objectSpec(object);
  const attributes = columns.flatMap((slug) =>
    spec.attributes.filter((attribute) => attribute.slug === slug),
  );
  const overflow = useHorizontalOverflow(columns.join(','));
  return (
    <div
      className="table-frame"
      data-scroll-left={overflow.left || undefined}
      data-scroll-right={overflow.right || undefined}
    >
      <section
        ref={overflow.ref}
        className="table-scroll"
        // A table wider than the screen must be scrollable from the keyboard too.
        tabIndex={overflow.left || overflow.right ? 0 : undefined}
        aria-label={
          overflow.left || overflow.right ? `${caption}; scrolls sideways to show every column` : caption
        }
        data-testid="table-scroll"
      >
        <table className="data-table" aria-busy={busy || undefined}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {selection ? (
                <th scope="col" className="col-row-select">
                  <PageCheckbox
                    ids={records.map((record) => record.id)}
                    selected={selection.selected}
                    onChange={selection.onChange}
                  />
                </th>
              ) : null}
              {attributes.map((attribute) => {
                const sorted = sort.attribute === attribute.slug ? sort.direction : undefined;
                return (
                  <th
                    key={attribute.slug}
                    scope="col"
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    className={`col-${attribute.type}`}
                  >
                    {attribute.sortable ? (
                      <button
                        type="button"
                        className="th-button"
                        onClick={() =>
                          onSort({
                            attribute: attribute.slug,
                            direction: sorted === 'asc' ? 'desc' : sorted === 'desc' ? 'asc' : 'asc',
                          })
                        }
                      >
                        {attribute.label}
                        <span className={`sort-indicator${sorted ? ' is-sorted' : ''}`} aria-hidden="true">
                          {sorted === 'desc' ? '↓' : sorted === 'asc' ? '↑' : '↕'}
                        </span>
                      </button>
                    ) : (
                      <span className="th-label">{attribute.label}</span>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={record.id} aria-selected={selection ? selection.selected.has(record.id) : undefined}>
                {selection ? (
                  <td className="col-row-select">
                    <input
                      type="checkbox"
                      aria-label={`Select ${rowName(record, attributes[0]?.slug)}`}
                      checked={selection.selected.has(record.id)}
                      onChange={(event) => selection.onChange([record.id], event.target.checked)}
                    />
                  </td>
                ) : null}
                {attributes.map((attribute, index) => (
                  <td key={attribute.slug} className={`col-${attribute.type}`}>
                    {index === 0 && attribute.type !== 'reference' ? (
                      <Link className="row-primary" href={`/${object}/${record.id}`}>
                        <CellValue attribute={attribute} value={record[attribute.slug]} />
                      </Link>
                    ) : (
                      <CellValue attribute={attribute} value={record[attribute.slug]} />
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {scrollCueSlot && (overflow.left || overflow.right)
        ? createPortal(
            // The region itself scrolls from the keyboard; these are a pointer's shortcut and a visible cue.
            <span className="scroll-cue" aria-hidden="true">
              <button
                type="button"
                tabIndex={-1}
                disabled={!overflow.left}
                onClick={() => overflow.scrollBy(-1)}
              >
                ←
              </button>
              <span>More columns</span>
              <button
                type="button"
                tabIndex={-1}
                disabled={!overflow.right}
                onClick={() => overflow.scrollBy(1)}
              >
                →
              </button>
            </span>,
            scrollCueSlot,
          )
        : null}
    </div>
  );
}

/** A row's name for its checkbox's label: its first column's text, else its id. */
function rowName(record: CrmRecord, slug: string | undefined): string {
  const value = slug ? record[slug] : undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value) && value.name) return value.name;
  return record.id;
}

/** Selects or clears every row of the page; mixed when some are selected. */
function PageCheckbox({
  ids,
  selected,
  onChange,
}: {
  ids: readonly string[];
  selected: ReadonlySet<string>;
  onChange(ids: readonly string[], selected: boolean): void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const count = ids.filter((id) => selected.has(id)).length;
  const all = ids.length > 0 && count === ids.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select every row on this page"
      checked={all}
      onChange={(event) => onChange(ids, event.target.checked)}
    />
  );
}

/** Whether the table hides columns to the left or right of what is visible, kept current on scroll and resize. */
function useHorizontalOverflow(layoutKey: string) {
  const ref = useRef<HTMLElement>(null);
  const [state, setState] = useState({ left: false, right: false });
  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again when the columns change
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => {
      const left = element.scrollLeft > 1;
      const right = element.scrollLeft + element.clientWidth < element.scrollWidth - 1;
      setState((current) => (current.left === left && current.right === right ? current : { left, right }));
    };
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    const table = element.firstElementChild;
    if (table) observer.observe(table);
    return () => {
      element.removeEventListener('scroll', measure);
      observer.disconnect();
    };
  }, [layoutKey]);
  return {
    ref,
    ...state,
    scrollBy(direction: 1 | -1) {
      const element = ref.current;
      element?.scrollBy({ left: direction * element.clientWidth * 0.7, behavior: 'smooth' });
    },
  };
}
