import { keepPreviousData } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { structuredErrorOf } from '../../../shared/api-errors';
import { type ObjectSlug, objectSpec } from '../../../shared/catalog';
import type { CrmRecord } from '../../../shared/records';
import { DataTable } from '../components/data-table/DataTable';
import { ExportButton } from '../components/export-dialog/ExportButton';
import { FilterBar } from '../components/filter-bar/FilterBar';
import { decomposeFilter, isFilterEmpty } from '../components/filter-bar/filter-state';
import { ViewsMenu } from '../components/saved-views/ViewsMenu';
import { Button } from '../components/ui/Button';
import { formatNumber } from '../components/ui/format';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { trpc } from '../trpc';
import { defaultColumns, problemView, useRecordFilters } from './use-record-filters';

const pageSize = 50;

export function RecordsPage({ object }: { object: ObjectSlug }) {
  const spec = objectSpec(object);
  const filters = useRecordFilters(object);
  const views = trpc.views.list.useQuery({ object });
  const view = views.data?.find((candidate) => candidate.id === filters.viewId);
  const columns = view?.columns.length ? view.columns : defaultColumns(object);

  const listInput = { filter: filters.composed.filter, sort: [filters.sort] };
  const inputKey = JSON.stringify(listInput);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter or sort starts again at page one
  useEffect(() => setCursors([undefined]), [inputKey]);
  const cursor = cursors.at(-1);

  const list = trpc[object].list.useQuery(
    { ...listInput, ...(cursor ? { cursor } : {}), limit: pageSize },
    { enabled: !filters.problem, placeholderData: keepPreviousData },
  );

  const serverProblem = useMemo(() => {
    const structured = structuredErrorOf(list.error);
    if (structured?.code !== 'INVALID_FILTER') return null;
    const details = structured.details ?? {};
    return problemView(
      filters.composed,
      { path: String(details.path ?? ''), reason: String(details.reason ?? structured.message) },
      structured.message,
    );
  }, [list.error, filters.composed]);
  const problem = filters.problem ?? serverProblem;

  const seenTags = useRef(new Set<string>());
  for (const record of list.data?.records ?? []) {
    const tags = record.tags;
    if (Array.isArray(tags)) for (const tag of tags) seenTags.current.add(tag);
  }

  const viewState = view ? decomposeFilter(object, view.filter) : null;
  const viewModified =
    view !== undefined &&
    viewState !== null &&
    (JSON.stringify(viewState) !== JSON.stringify(filters.state) ||
      (view.sort[0] !== undefined &&
        (view.sort[0].attribute !== filters.sort.attribute ||
          view.sort[0].direction !== filters.sort.direction)));

  const total = list.data?.total;
  const pageIndex = cursors.length - 1;
  const records: CrmRecord[] = list.data?.records ?? [];
  const firstRow = pageIndex * pageSize + 1;

  return (
    <div className="page">
      <header className="page-header">
        <div className="page-title">
          <h1>{view ? view.name : spec.plural}</h1>
          {view ? <span className="subtle">{spec.plural} view</span> : null}
          <span className="count-pill numeric" data-testid="record-count" aria-live="polite">
            {total === undefined
              ? '…'
              : `${formatNumber(total)} ${total === 1 ? spec.singular.toLowerCase() : spec.plural.toLowerCase()}`}
          </span>
        </div>
        <div className="page-actions">
          <ViewsMenu
            object={object}
            views={views.data ?? []}
            currentView={view ?? null}
            modified={viewModified}
            current={{ filter: filters.composed.filter ?? {}, sort: [filters.sort], columns }}
            canSave={!problem}
            onApply={(next) =>
              filters.replace(
                next
                  ? {
                      state: decomposeFilter(object, next.filter),
                      sort: next.sort[0] ?? spec.defaultSort,
                      viewId: next.id,
                    }
                  : { state: decomposeFilter(object, {}), sort: spec.defaultSort, viewId: null },
              )
            }
          />
          <ExportButton
            object={object}
            filter={filters.composed.filter}
            sort={filters.sort}
            columns={columns}
            views={views.data ?? []}
            viewId={view && !viewModified ? view.id : null}
            blockedByProblem={Boolean(problem)}
          />
        </div>
      </header>
      <FilterBar
        object={object}
        state={filters.state}
        onChange={filters.setState}
        tagSuggestions={[...seenTags.current]}
        problem={problem}
      />
      <section className="panel table-panel" aria-label={`${spec.plural} table`}>
        {problem ? (
          <EmptyState title="Fix the filter to see records">
            The filter is not valid for {spec.plural.toLowerCase()}: {problem.reason}
          </EmptyState>
        ) : list.isPending ? (
          <LoadingState label={`Loading ${spec.plural.toLowerCase()}…`} />
        ) : list.error && !list.data ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : records.length === 0 ? (
          <EmptyState
            title={isFilterEmpty(filters.state) ? `No ${spec.plural.toLowerCase()} yet` : 'No matches'}
            action={
              isFilterEmpty(filters.state) ? null : (
                <Button
                  size="sm"
                  onClick={() =>
                    filters.replace({ state: decomposeFilter(object, {}), sort: filters.sort, viewId: null })
                  }
                >
                  Clear filters
                </Button>
              )
            }
          >
            {isFilterEmpty(filters.state)
              ? `${spec.plural} you add or import will appear here.`
              : `No ${spec.plural.toLowerCase()} match these filters. Loosen one or clear them.`}
          </EmptyState>
        ) : (
          <>
            <DataTable
              object={object}
              columns={columns}
              records={records}
              sort={filters.sort}
              onSort={filters.setSort}
              busy={list.isFetching}
              caption={`${spec.plural}, sorted by ${filters.sort.attribute} ${filters.sort.direction}`}
            />
            <footer className="table-footer">
              <span className="muted numeric">
                {formatNumber(firstRow)}–{formatNumber(firstRow + records.length - 1)} of{' '}
                {formatNumber(total ?? 0)}
              </span>
              <div className="pager">
                {list.isFetching ? <span className="spinner spinner-inline" aria-hidden="true" /> : null}
                <Button
                  size="sm"
                  disabled={pageIndex === 0}
                  onClick={() => setCursors((stack) => stack.slice(0, -1))}
                >
                  Previous
                </Button>
                <Button
                  size="sm"
                  disabled={!list.data?.nextCursor || list.isPlaceholderData}
                  onClick={() => {
                    const next = list.data?.nextCursor;
                    if (next) setCursors((stack) => [...stack, next]);
                  }}
                >
                  Next
                </Button>
              </div>
            </footer>
          </>
        )}
      </section>
    </div>
  );
}
