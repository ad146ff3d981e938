import { useId } from 'react';
import { type ObjectSlug, objectSpec } from '../../../shared/catalog';
import type { SavedView } from '../../../shared/views';
import { ExportButton, useExportBlockedReason } from '../components/export-dialog/ExportButton';
import type { RowSelection } from '../components/export-dialog/export-form';
import type { FilterProblemView } from '../components/filter-bar/AdvancedFilterEditor';
import { stateOfView, viewDefinitionOf } from '../components/filter-bar/filter-state';
import { ViewsMenu } from '../components/saved-views/ViewsMenu';
import { formatNumber } from '../components/ui/format';
import { isViewModified, type RecordFilters } from './use-record-filters';

/**
 * The header of a list of records: the view's name and the count, the saved views, and Export. A view
 * whose filter or sort was changed on screen shows as modified, and is exported as what is on screen
 * (its id is left out, so the view's own filter is not AND-ed in again).
 */
export function RecordsHeader({
  object,
  filters,
  views,
  columns,
  total,
  problem,
  selection,
}: {
  object: ObjectSlug;
  filters: RecordFilters;
  views: readonly SavedView[];
  columns: string[];
  total: number | undefined;
  problem: FilterProblemView | null;
  /** Rows selected in the table: the export dialog then offers them. */
  selection?: RowSelection | null;
}) {
  const spec = objectSpec(object);
  const view = views.find((candidate) => candidate.id === filters.viewId);
  const viewModified = view !== undefined && isViewModified(object, view, filters);
  const blocked = useExportBlockedReason(Boolean(problem));
  const reasonId = useId();

  return (
    <header className="page-header">
      <div className="page-title">
        <h1>{view ? view.name : spec.plural}</h1>
        {view ? <span className="muted">{spec.plural} view</span> : null}
        <span
          className={`count-pill numeric${problem ? ' is-stale' : ''}`}
          data-testid="record-count"
          aria-live="polite"
        >
          {problem
            ? 'Filter not valid'
            : total === undefined
              ? '…'
              : `${formatNumber(total)} ${total === 1 ? spec.singular.toLowerCase() : spec.plural.toLowerCase()}`}
        </span>
      </div>
      <div className="page-actions">
        <ViewsMenu
          object={object}
          views={views}
          currentView={view ?? null}
          modified={viewModified}
          current={{ ...viewDefinitionOf(object, filters.state), sort: [filters.sort], columns }}
          canSave={!problem}
          onApply={(next) =>
            filters.replace({
              state: stateOfView(object, next ?? { filter: {} }),
              sort: next?.sort[0] ?? spec.defaultSort,
              viewId: next?.id ?? null,
            })
          }
        />
        <ExportButton
          object={object}
          filter={filters.composed.filter}
          sort={filters.sort}
          columns={columns}
          views={views}
          viewId={view && !viewModified ? view.id : null}
          blocked={blocked}
          reasonId={reasonId}
          selection={selection}
        />
      </div>
      {blocked ? (
        <p id={reasonId} className="export-blocked" role="note">
          {blocked}
        </p>
      ) : null}
    </header>
  );
}
