import { keepPreviousData } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { type ObjectSlug, objectSpec } from '../../../shared/catalog';
import { maxSelectedIds } from '../../../shared/exports';
import type { CrmRecord } from '../../../shared/records';
import { useDocumentTitle } from '../app/document-title';
import { ColumnsMenu } from '../components/data-table/ColumnsMenu';
import { DataTable } from '../components/data-table/DataTable';
import type { RowSelection } from '../components/export-dialog/export-form';
import { FilterBar } from '../components/filter-bar/FilterBar';
import { decomposeFilter, isFilterEmpty } from '../components/filter-bar/filter-state';
import { Button } from '../components/ui/Button';
import { formatNumber } from '../components/ui/format';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { trpc } from '../trpc';
import { RecordsHeader } from './RecordsHeader';
import { defaultColumns, useRecordFilters, useServerFilterProblem } from './use-record-filters';

const pageSize = 50;

const exportableCount = (object: ObjectSlug) =>
  objectSpec(object).attributes.filter((attribute) => attribute.exportable).length;

export function RecordsPage({ object }: { object: ObjectSlug }) {
  const spec = objectSpec(object);
  const filters = useRecordFilters(object);
  const views = trpc.views.list.useQuery({ object });
  const view = views.data?.find((candidate) => candidate.id === filters.viewId);
  const baseColumns = view?.columns.length ? view.columns : defaultColumns(object);
  const columns = filters.columns ?? baseColumns;
  useDocumentTitle(view ? `${view.name} · ${spec.plural}` : spec.plural);

  const listInput = { filter: filters.composed.filter, sort: [filters.sort] };
  const inputKey = JSON.stringify(listInput);
  const [scrollCueSlot, setScrollCueSlot] = useState<HTMLElement | null>(null);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter or sort starts again at page one
  useEffect(() => setCursors([undefined]), [inputKey]);
  const cursor = cursors.at(-1);

  const list = trpc[object].list.useQuery(
    { ...listInput, ...(cursor ? { cursor } : {}), limit: pageSize },
    { enabled: !filters.problem, placeholderData: keepPreviousData },
  );

  const serverProblem = useServerFilterProblem(list.error, filters.composed);
  const problem = filters.problem ?? serverProblem;

  const seenTags = useRef(new Set<string>());
  for (const record of list.data?.records ?? []) {
    const tags = record.tags;
    if (Array.isArray(tags)) for (const tag of tags) seenTags.current.add(tag);
  }

  const total = list.data?.total;
  const pageIndex = cursors.length - 1;
  const records: CrmRecord[] = list.data?.records ?? [];
  const firstRow = pageIndex * pageSize + 1;

  // Selected rows, kept across pages; "all N matching" is the filter itself. A new filter or sort clears it.
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter or sort is a new set of rows
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [inputKey]);
  const changeSelection = (ids: readonly string[], on: boolean) => {
    const next = new Set(allMatching ? records.map((record) => record.id) : selected);
    for (const id of ids) {
      if (on && next.size < maxSelectedIds) next.add(id);
      else if (!on) next.delete(id);
    }
    setAllMatching(false);
    setSelected(next);
  };
  const selection: RowSelection | null =
    allMatching && total !== undefined
      ? { ids: null, count: total }
      : selected.size
        ? { ids: [...selected], count: selected.size }
        : null;

  return (
    <div className="page">
      <RecordsHeader
        object={object}
        filters={filters}
        views={views.data ?? []}
        columns={columns}
        total={total}
        problem={problem}
        selection={selection}
      />
      <FilterBar
        object={object}
        state={filters.state}
        onChange={filters.setState}
        tagSuggestions={[...seenTags.current]}
        problem={problem}
      />
      <section className="panel table-panel" aria-label={`${spec.plural} table`}>
        <div className="table-toolbar">
          <span className="subtle">
            {columns.length} of {exportableCount(object)} columns
            {filters.columns ? ' · changed here' : view ? ` · from “${view.name}”` : ''}
          </span>
          {selection ? (
            <span className="selection-bar" data-testid="selection-bar" aria-live="polite">
              <strong className="numeric">{formatNumber(selection.count)} selected</strong>
              {!allMatching && total !== undefined && total > selection.count ? (
                <Button size="sm" variant="ghost" onClick={() => setAllMatching(true)}>
                  Select all {formatNumber(total)} matching
                </Button>
              ) : null}
              <Button
                size="sm"
                variant="ghost"
                onClick={() => {
                  setSelected(new Set());
                  setAllMatching(false);
                }}
              >
                Clear selection
              </Button>
            </span>
          ) : null}
          <span ref={setScrollCueSlot} className="scroll-cue-slot" />
          <ColumnsMenu
            object={object}
            columns={columns}
            defaults={baseColumns}
            onChange={filters.setColumns}
          />
        </div>
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
              scrollCueSlot={scrollCueSlot}
              selection={{
                selected: allMatching ? new Set(records.map((record) => record.id)) : selected,
                onChange: changeSelection,
              }}
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
