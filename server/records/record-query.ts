/**
 * The query behind every list of records: the record pages, counts, and the export engine.
 * One place decides what a filter, a saved view and a sort select, so what a user sees on screen is
 * exactly what an export of it contains.
 *
 *   const resolved = await resolveRecordQuery(db, scope, 'people', { viewId, filter, extraFilters: [range] });
 *   const total = await countRecords(db, resolved);
 *   let page = await selectRecordPage(db, resolved, { limit: 1000 });
 *   while (page.nextCursor) page = await selectRecordPage(db, resolved, { after: page.nextCursor, limit: 1000 });
 */
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import {
  type AttributeSpec,
  findAttribute,
  findExportColumn,
  type ObjectSlug,
  objectSpec,
} from '../../shared/catalog';
import { andFilterNodes, andFilters, describeFilter, type FilterNode } from '../../shared/filters';
import type { CrmRecord, SortInput } from '../../shared/records';
import { ViewDateRange } from '../../shared/views';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { findVisibleView, type WorkspaceScope } from '../views/view-access';
import { attributeColumn, objectTable } from './attributes';
import {
  type CursorValues,
  checkCursorValues,
  cursorValueExpression,
  decodeCursor,
  encodeCursor,
  keysetCondition,
  type OrderKey,
  type SortKey,
} from './cursor';
import { presetFilter } from './date-range';
import { compileFilter } from './filters/compile-filter';
import { parseFilter } from './filters/parse-filter';
import { recordSelection, toRecord, withRecordJoins } from './record-shape';

export type { WorkspaceScope as RecordQueryScope } from '../views/view-access';
export type { CursorValues, SortKey } from './cursor';

export interface RecordQueryInput {
  /** A filter in the filter language (validated here: INVALID_FILTER with details when wrong). */
  filter?: unknown;
  /** A saved view of the workspace visible to the caller; its filter is AND-ed with `filter`. */
  viewId?: string;
  /** The order; when absent, the view's sort, else the object's default sort. */
  sort?: SortInput;
  /** More filters AND-ed in (the export's date range, say); each is validated like `filter`. */
  extraFilters?: unknown[];
  /** Only these records (rows selected on a record page), AND-ed with the filters. */
  ids?: readonly string[];
  /** Where and when a view's relative date range ("last 7 days") is resolved (default UTC, now). */
  timezone?: string;
  now?: Date;
}

/** The view a query was resolved through, as stored. */
export interface ResolvedView {
  id: string;
  name: string;
  columns: string[];
  filter: Record<string, unknown>;
  sort: SortKey[];
  dateRange: ViewDateRange | null;
}

/** A validated, access-checked record query, ready to page through or count. */
export interface ResolvedRecordQuery {
  object: ObjectSlug;
  workspaceId: string;
  /** Workspace scope AND the effective filter, as parameterized SQL. */
  where: SQL;
  /** The order of the rows; always ends with `id`, so it is total and pages never overlap. */
  orderBy: SortKey[];
  view?: ResolvedView;
  /** The effective filter (view AND filter AND extra filters) as JSON, e.g. to store with an export. */
  filter: Record<string, unknown>;
  /** The effective filter validated, e.g. for `describeFilter`. */
  filterNode: FilterNode;
  /** The effective filter in words: `Status is "customer" and Tags has "vip"`. */
  summary: string;
  /** `orderBy` bound to columns (internal to paging). */
  orderKeys: OrderKey[];
}

/** A stored view range, or null when it is absent or no longer a known preset. */
export function viewDateRange(stored: unknown): ViewDateRange | null {
  const parsed = ViewDateRange.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

function sortProblem(path: string, message: string): ApiError {
  return new ApiError('VALIDATION_ERROR', message, { issues: [{ path, code: 'invalid_sort', message }] });
}

/** Sort keys checked against the catalog, bound to columns, with `id` appended as the tie-breaker. */
export function resolveOrder(object: ObjectSlug, sort: readonly SortKey[], field = 'sort'): OrderKey[] {
  const table = objectTable(object);
  const keys: OrderKey[] = [];
  const seen = new Set<string>();
  for (const [index, key] of sort.entries()) {
    const path = `${field}.${index}.attribute`;
    if (seen.has(key.attribute)) throw sortProblem(path, `'${key.attribute}' appears twice in the sort`);
    seen.add(key.attribute);
    if (key.attribute === 'id') {
      keys.push({ attribute: 'id', direction: key.direction, column: table.id, type: 'id' });
      break; // ids are unique: nothing after them can change the order
    }
    const attribute = findAttribute(object, key.attribute);
    if (!attribute) throw sortProblem(path, `Unknown attribute '${key.attribute}' for ${object}`);
    const column = attribute.sortable ? attributeColumn(object, attribute.slug) : undefined;
    if (!column) throw sortProblem(path, `${object} cannot be sorted by '${key.attribute}'`);
    keys.push({ attribute: attribute.slug, direction: key.direction, column, type: attribute.type });
  }
  if (keys.at(-1)?.type !== 'id') {
    keys.push({ attribute: 'id', direction: keys.at(-1)?.direction ?? 'asc', column: table.id, type: 'id' });
  }
  return keys;
}

/**
 * Loads and access-checks the view (NOT_FOUND for another workspace's view or another member's private
 * view), validates the filters (INVALID_FILTER) and the sort (VALIDATION_ERROR), and returns the query.
 */
export async function resolveRecordQuery(
  db: Db,
  scope: WorkspaceScope,
  object: ObjectSlug,
  input: RecordQueryInput,
): Promise<ResolvedRecordQuery> {
  let view: ResolvedView | undefined;
  if (input.viewId !== undefined) {
    const row = await findVisibleView(db, scope, input.viewId);
    if (row.object !== object) {
      const message = `View '${row.name}' lists ${row.object}, not ${object}`;
      throw new ApiError('VALIDATION_ERROR', message, {
        issues: [{ path: 'viewId', code: 'view_object_mismatch', message }],
      });
    }
    view = {
      id: row.id,
      name: row.name,
      columns: row.columns,
      filter: row.filter,
      sort: row.sort,
      dateRange: viewDateRange(row.dateRange),
    };
  }
  const viewRange = view?.dateRange
    ? presetFilter(
        object,
        view.dateRange.attribute,
        view.dateRange.preset,
        input.timezone ?? 'UTC',
        input.now ?? new Date(),
      )
    : undefined;
  const nodes = [
    ...(view ? [parseFilter(object, view.filter, 'view.filter')] : []),
    ...(viewRange ? [parseFilter(object, viewRange, 'view.dateRange')] : []),
    parseFilter(object, input.filter, 'filter'),
    ...(input.extraFilters ?? []).map((extra, index) => parseFilter(object, extra, `extraFilters[${index}]`)),
  ];
  const filterNode = andFilterNodes(...nodes);
  const table = objectTable(object);
  const where = and(
    eq(table.workspaceId, scope.workspaceId),
    compileFilter(object, filterNode, scope.workspaceId),
    input.ids ? inArray(table.id, [...input.ids]) : undefined,
  ) as SQL;

  const spec = objectSpec(object);
  const orderKeys =
    input.sort && input.sort.length > 0
      ? resolveOrder(object, input.sort)
      : view && view.sort.length > 0
        ? resolveOrder(object, view.sort, 'view.sort')
        : resolveOrder(object, [spec.defaultSort]);
  return {
    object,
    workspaceId: scope.workspaceId,
    where,
    orderBy: orderKeys.map(({ attribute, direction }) => ({ attribute, direction })),
    ...(view ? { view } : {}),
    filter: andFilters(
      view?.filter,
      viewRange,
      input.filter as Record<string, unknown> | undefined,
      ...((input.extraFilters ?? []) as Record<string, unknown>[]),
    ),
    filterNode,
    summary: describeFilter(filterNode),
    orderKeys,
  };
}

const sortValueKey = (index: number) => `__sort_${index}`;

/** Attributes to select, as catalog entries or slugs; unknown slugs are a VALIDATION_ERROR. */
export type AttributeSelection = readonly (AttributeSpec | string)[];

export function selectedAttributes(
  object: ObjectSlug,
  attributes?: AttributeSelection,
): readonly AttributeSpec[] {
  if (!attributes) return objectSpec(object).attributes;
  return attributes.map((attribute, index) => {
    if (typeof attribute !== 'string') return attribute;
    const spec = findAttribute(object, attribute) ?? findExportColumn(object, attribute);
    if (!spec) {
      const message = `Unknown attribute '${attribute}' for ${object}`;
      throw new ApiError('VALIDATION_ERROR', message, {
        issues: [{ path: `attributes.${index}`, code: 'unknown_attribute', message }],
      });
    }
    return spec;
  });
}

export interface RecordSelectOptions {
  /** The attributes to select (default: all of the object); `id` is always there. */
  attributes?: AttributeSelection;
  /** Start after this row: a cursor string from a previous page, or the sort values themselves. */
  after?: CursorValues | string;
  limit?: number;
  /**
   * Select `__sort_N`, the exact sort values a page continues after (default true). A cursor that
   * streams the whole result never continues a page, so it leaves them out and the database skips
   * formatting them for every row.
   */
  sortValues?: boolean;
}

/**
 * The page query, unexecuted: `await` it, or `.toSQL()` it to stream through a driver cursor. Rows
 * carry the record's fields by slug (read them with `toRecord`) and `__sort_N`, the exact sort values
 * (read them with `cursorValuesOf`).
 */
export function buildRecordSelect(db: Db, resolved: ResolvedRecordQuery, options: RecordSelectOptions = {}) {
  const table = objectTable(resolved.object);
  const selection: ReturnType<typeof recordSelection> = {
    ...recordSelection(resolved.object, selectedAttributes(resolved.object, options.attributes)),
  };
  if (options.sortValues !== false) {
    for (const [index, key] of resolved.orderKeys.entries()) {
      selection[sortValueKey(index)] = cursorValueExpression(key).as(sortValueKey(index));
    }
  }
  let where = resolved.where;
  if (options.after !== undefined) {
    const values =
      typeof options.after === 'string'
        ? decodeCursor(resolved.orderKeys, options.after)
        : checkCursorValues(resolved.orderKeys, options.after);
    where = and(where, keysetCondition(resolved.orderKeys, values)) as SQL;
  }
  const attributes = selectedAttributes(resolved.object, options.attributes);
  const query = withRecordJoins(db.select(selection).from(table).$dynamic(), resolved.object, attributes)
    .where(where)
    .orderBy(
      ...resolved.orderKeys.map((key) => (key.direction === 'asc' ? asc(key.column) : desc(key.column))),
    )
    .$dynamic();
  return options.limit === undefined ? query : query.limit(options.limit);
}

/**
 * Where a page of `limit` rows after `after` ends: the sort values of its last row (`__sort_N`, read with
 * `cursorValuesOf`), or no row when fewer than `limit` rows are left. The page's rows are walked for
 * their ids alone, and only the last one's values are formatted: a Limit node projects every row it
 * skips, and formatting each timestamp made this query four times slower on PGlite.
 */
export function buildPageEnd(
  db: Db,
  resolved: ResolvedRecordQuery,
  options: { after?: CursorValues; limit: number },
) {
  const table = objectTable(resolved.object);
  const where = options.after
    ? (and(resolved.where, keysetCondition(resolved.orderKeys, options.after)) as SQL)
    : resolved.where;
  const lastOfPage = db
    .select({ id: table.id })
    .from(table)
    .where(where)
    .orderBy(
      ...resolved.orderKeys.map((key) => (key.direction === 'asc' ? asc(key.column) : desc(key.column))),
    )
    .limit(1)
    .offset(options.limit - 1);
  const selection: Record<string, SQL.Aliased> = {};
  for (const [index, key] of resolved.orderKeys.entries())
    selection[sortValueKey(index)] = cursorValueExpression(key).as(sortValueKey(index));
  return db
    .select(selection)
    .from(table)
    .where(eq(table.id, sql`(${lastOfPage})`));
}

/** The exact sort values of a row of `buildRecordSelect`, to continue after it. */
export function cursorValuesOf(resolved: ResolvedRecordQuery, row: Record<string, unknown>): CursorValues {
  return resolved.orderKeys.map((_, index) => {
    const value = row[sortValueKey(index)];
    return value == null ? null : String(value);
  });
}

export interface RecordPage {
  rows: CrmRecord[];
  /** Pass as `after` (or as a list's `cursor`) for the next page; null on the last page. */
  nextCursor: string | null;
  /** The same position as sort values. */
  nextAfter: CursorValues | null;
}

/** One page of records in the resolved order, after `after`. */
export async function selectRecordPage(
  db: Db,
  resolved: ResolvedRecordQuery,
  options: { after?: CursorValues | string; limit: number; attributes?: AttributeSelection },
): Promise<RecordPage> {
  const attributes = selectedAttributes(resolved.object, options.attributes);
  const rows: Record<string, unknown>[] = await buildRecordSelect(db, resolved, {
    ...options,
    attributes,
    limit: options.limit + 1,
  });
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const nextAfter = rows.length > options.limit && last ? cursorValuesOf(resolved, last) : null;
  return {
    rows: page.map((row) => toRecord(resolved.object, row, attributes)),
    nextCursor: nextAfter ? encodeCursor(resolved.orderBy, nextAfter) : null,
    nextAfter,
  };
}

/**
 * The count query, unexecuted (`.toSQL()` it to run inside another transaction, as the exporter does).
 * It counts the table under the filter alone: no select list or order to evaluate, so Postgres can scan
 * in parallel instead of walking the sort index.
 */
export function buildRecordCount(db: Db, resolved: ResolvedRecordQuery) {
  return db
    .select({ total: sql<number>`count(*)`.mapWith(Number) })
    .from(objectTable(resolved.object))
    .where(resolved.where);
}

/** How many records the resolved query selects. */
export async function countRecords(db: Db, resolved: ResolvedRecordQuery): Promise<number> {
  const [row] = await buildRecordCount(db, resolved);
  return row?.total ?? 0;
}
