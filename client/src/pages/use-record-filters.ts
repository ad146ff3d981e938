import { useMemo } from 'react';
import { structuredErrorOf } from '../../../shared/api-errors';
import { type ObjectSlug, objectSpec } from '../../../shared/catalog';
import { errorCatalog } from '../../../shared/errors';
import { validateFilter } from '../../../shared/filters';
import type { SortInput } from '../../../shared/records';
import type { SavedView } from '../../../shared/views';
import type { FilterProblemView } from '../components/filter-bar/AdvancedFilterEditor';
import {
  type ComposedFilter,
  composeFilter,
  type FilterState,
  parseColumns,
  parseFilterState,
  parseSort,
  pathInsideAdvanced,
  stateOfView,
  writeSearch,
} from '../components/filter-bar/filter-state';
import { navigate, useLocation } from '../navigation';

export interface RecordFilters {
  state: FilterState;
  sort: SortInput[number];
  viewId: string | null;
  /** Columns chosen with the Columns menu; null shows the view's (or the object's default) columns. */
  columns: string[] | null;
  composed: ComposedFilter;
  /** A problem found before asking the server (the shared validator), so no request is wasted on it. */
  problem: FilterProblemView | null;
  setState(next: FilterState): void;
  setSort(sort: SortInput[number]): void;
  setColumns(columns: string[] | null): void;
  /** Replaces filters, sort and view at once (applying a saved view). */
  replace(next: { state: FilterState; sort: SortInput[number]; viewId: string | null }): void;
}

export function problemView(
  composed: ComposedFilter,
  problem: { path: string; reason: string },
  message: string = errorCatalog.INVALID_FILTER.summary,
): FilterProblemView {
  return {
    code: 'INVALID_FILTER',
    message,
    fullPath: problem.path,
    reason: problem.reason,
    path: pathInsideAdvanced(problem.path, composed.advancedPath),
  };
}

/** Whether the filter, sort or columns on screen differ from what the applied view saved. */
export function isViewModified(
  object: ObjectSlug,
  view: Pick<SavedView, 'filter' | 'sort'> & {
    columns?: readonly string[];
    dateRange?: SavedView['dateRange'];
  },
  onScreen: Pick<RecordFilters, 'state' | 'sort'> & { columns?: readonly string[] | null },
): boolean {
  const saved = view.sort[0];
  const savedColumns = view.columns?.length ? view.columns : defaultColumns(object);
  return (
    (onScreen.columns != null && onScreen.columns.join(',') !== savedColumns.join(',')) ||
    JSON.stringify(stateOfView(object, view)) !== JSON.stringify(onScreen.state) ||
    (saved !== undefined &&
      (saved.attribute !== onScreen.sort.attribute || saved.direction !== onScreen.sort.direction))
  );
}

/** The filter problem the server answered a list with (INVALID_FILTER), shown like a local one. */
export function useServerFilterProblem(error: unknown, composed: ComposedFilter): FilterProblemView | null {
  return useMemo(() => {
    const structured = structuredErrorOf(error);
    if (structured?.code !== 'INVALID_FILTER') return null;
    const details = structured.details ?? {};
    return problemView(
      composed,
      { path: String(details.path ?? ''), reason: String(details.reason ?? structured.message) },
      structured.message,
    );
  }, [error, composed]);
}

/** The record page's filters, sort and view, read from and written to the URL. */
export function useRecordFilters(object: ObjectSlug): RecordFilters {
  const { search, pathname } = useLocation();
  const key = search.toString();
  return useMemo(() => {
    const params = new URLSearchParams(key);
    const state = parseFilterState(object, params);
    const sort = parseSort(object, params);
    const viewId = params.get('view');
    const columns = parseColumns(object, params);
    const composed = composeFilter(object, state);
    let problem: FilterProblemView | null = null;
    if (composed.advancedError) {
      problem = {
        code: 'INVALID_FILTER',
        message: 'The advanced filter is not valid JSON.',
        fullPath: composed.advancedPath ?? '',
        reason: composed.advancedError,
        path: '',
      };
    } else if (composed.filter) {
      const validation = validateFilter(object, composed.filter);
      if (!validation.ok) problem = problemView(composed, validation.problem);
    }
    const go = (
      next: FilterState,
      nextSort: SortInput[number],
      nextView: string | null,
      nextColumns: string[] | null,
    ) => {
      const query = writeSearch(object, next, {
        sort: nextSort,
        view: nextView,
        columns: nextColumns,
      }).toString();
      navigate(`${pathname}${query ? `?${query}` : ''}`, { replace: true });
    };
    return {
      state,
      sort,
      viewId,
      columns,
      composed,
      problem,
      setState: (next) => go(next, sort, viewId, columns),
      setSort: (nextSort) => go(state, nextSort, viewId, columns),
      setColumns: (nextColumns) => go(state, sort, viewId, nextColumns),
      // A view brings its own columns.
      replace: (next) => go(next.state, next.sort, next.viewId, null),
    };
  }, [object, key, pathname]);
}

export function defaultColumns(object: ObjectSlug): string[] {
  return [...objectSpec(object).defaultColumns];
}
