import { type AttributeSpec, type ObjectSlug, objectSpec } from '../../../../shared/catalog';
import type { DatePreset as SharedDatePreset } from '../../../../shared/date-presets';
import type { FilterInput, SortInput } from '../../../../shared/records';
import type { ViewDateRange } from '../../../../shared/views';

/**
 * The record pages' filter state: what the filter bar shows, what the URL carries, and how it becomes one
 * filter of the filter language (an `$and` of parts, the advanced JSON last). Saved views store the
 * composed filter; `decomposeFilter` reads one back into the bar, leaving what it cannot show as advanced.
 */

export const datePresets = ['7d', '30d', '90d', 'year', 'custom'] as const;
export type DatePreset = (typeof datePresets)[number];
export const datePresetLabels: Record<DatePreset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  year: 'This year',
  custom: 'Custom range',
};

export type TagsMode = 'any' | 'all';

export interface LinkedFilter {
  id: string;
  name: string;
}

export interface FilterState {
  /** Chosen options per select attribute (status, platform, type). */
  selects: Record<string, string[]>;
  tags: string[];
  tagsMode: TagsMode;
  date: DatePreset | null;
  /** YYYY-MM-DD, for the custom range (inclusive on both ends). */
  from: string;
  to: string;
  q: string;
  /** Records linked to one record, by reference slug (the timeline's "activities of Ada"). */
  links: Record<string, LinkedFilter>;
  /** The advanced editor's JSON text, AND-ed with the rest. */
  advanced: string;
}

export const emptyFilterState = (): FilterState => ({
  selects: {},
  tags: [],
  tagsMode: 'any',
  date: null,
  from: '',
  to: '',
  q: '',
  links: {},
  advanced: '',
});

export const selectAttributes = (object: ObjectSlug): AttributeSpec[] =>
  objectSpec(object).attributes.filter(
    (attribute) => attribute.type === 'select' && attribute.filterable && attribute.options?.length,
  );

export const tagAttribute = (object: ObjectSlug): AttributeSpec | undefined =>
  objectSpec(object).attributes.find((attribute) => attribute.type === 'multiselect' && attribute.filterable);

export const searchableAttributes = (object: ObjectSlug): AttributeSpec[] =>
  objectSpec(object).attributes.filter((attribute) => attribute.searchable && attribute.filterable);

export const referenceAttributes = (object: ObjectSlug): AttributeSpec[] =>
  objectSpec(object).attributes.filter(
    (attribute) => attribute.type === 'reference' && attribute.reference !== 'users',
  );

// ---- URL ------------------------------------------------------------------------------------------

const isDatePreset = (value: string | null): value is DatePreset =>
  value !== null && (datePresets as readonly string[]).includes(value);

export function parseFilterState(object: ObjectSlug, search: URLSearchParams): FilterState {
  const state = emptyFilterState();
  for (const attribute of selectAttributes(object)) {
    const values = search.getAll(attribute.slug).filter((value) => attribute.options?.includes(value));
    if (values.length) state.selects[attribute.slug] = values;
  }
  const tags = tagAttribute(object);
  if (tags) state.tags = search.getAll(tags.slug).filter(Boolean);
  state.tagsMode = search.get('tagsMode') === 'all' ? 'all' : 'any';
  const date = search.get('date');
  state.date = isDatePreset(date) ? date : null;
  state.from = search.get('from') ?? '';
  state.to = search.get('to') ?? '';
  state.q = search.get('q') ?? '';
  for (const attribute of referenceAttributes(object)) {
    const id = search.get(attribute.slug);
    if (id) state.links[attribute.slug] = { id, name: search.get(`${attribute.slug}Name`) ?? 'record' };
  }
  state.advanced = search.get('filter') ?? '';
  return state;
}

export function sortToParam(sort: SortInput[number] | undefined): string | null {
  return sort ? `${sort.attribute}:${sort.direction}` : null;
}

export function parseSort(object: ObjectSlug, search: URLSearchParams): SortInput[number] {
  const spec = objectSpec(object);
  const [attribute, direction] = (search.get('sort') ?? '').split(':');
  const known = spec.attributes.find((candidate) => candidate.slug === attribute && candidate.sortable);
  if (known && (direction === 'asc' || direction === 'desc')) return { attribute: known.slug, direction };
  return { ...spec.defaultSort };
}

/** The table's columns chosen on screen (`columns=a,b,c`), known attributes only; null when not chosen. */
export function parseColumns(object: ObjectSlug, search: URLSearchParams): string[] | null {
  const raw = search.get('columns');
  if (!raw) return null;
  const known = new Set(objectSpec(object).attributes.map((attribute) => attribute.slug));
  const columns = [...new Set(raw.split(',').filter((slug) => known.has(slug)))];
  return columns.length ? columns : null;
}

export function writeSearch(
  object: ObjectSlug,
  state: FilterState,
  extra: { sort?: SortInput[number]; view?: string | null; columns?: readonly string[] | null } = {},
): URLSearchParams {
  const search = new URLSearchParams();
  if (extra.view) search.set('view', extra.view);
  if (extra.columns?.length) search.set('columns', extra.columns.join(','));
  for (const attribute of selectAttributes(object))
    for (const value of state.selects[attribute.slug] ?? []) search.append(attribute.slug, value);
  const tags = tagAttribute(object);
  if (tags) for (const tag of state.tags) search.append(tags.slug, tag);
  if (state.tags.length && state.tagsMode === 'all') search.set('tagsMode', 'all');
  if (state.date) search.set('date', state.date);
  if (state.date === 'custom') {
    if (state.from) search.set('from', state.from);
    if (state.to) search.set('to', state.to);
  }
  if (state.q.trim()) search.set('q', state.q);
  for (const [slug, link] of Object.entries(state.links)) {
    search.set(slug, link.id);
    search.set(`${slug}Name`, link.name);
  }
  if (state.advanced.trim()) search.set('filter', state.advanced);
  const spec = objectSpec(object);
  if (
    extra.sort &&
    (extra.sort.attribute !== spec.defaultSort.attribute ||
      extra.sort.direction !== spec.defaultSort.direction)
  )
    search.set('sort', `${extra.sort.attribute}:${extra.sort.direction}`);
  return search;
}

// ---- dates ----------------------------------------------------------------------------------------

const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate());
const addDays = (date: Date, days: number) =>
  new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);

/** `YYYY-MM-DD` of a local date. */
export function toDateInput(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function fromDateInput(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** A preset or custom range as instants: `from` inclusive, `to` exclusive; day-aligned, so stable all day. */
export function resolveDateRange(
  state: Pick<FilterState, 'date' | 'from' | 'to'>,
  now = new Date(),
): { from?: string; to?: string } | undefined {
  const today = startOfDay(now);
  switch (state.date) {
    case null:
      return undefined;
    case '7d':
      return { from: addDays(today, -6).toISOString() };
    case '30d':
      return { from: addDays(today, -29).toISOString() };
    case '90d':
      return { from: addDays(today, -89).toISOString() };
    case 'year':
      return { from: new Date(now.getFullYear(), 0, 1).toISOString() };
    case 'custom': {
      const from = fromDateInput(state.from);
      const to = fromDateInput(state.to);
      if (!from && !to) return undefined;
      return {
        ...(from ? { from: from.toISOString() } : {}),
        ...(to ? { to: addDays(to, 1).toISOString() } : {}),
      };
    }
  }
}

// ---- composing the filter -------------------------------------------------------------------------

export interface ComposedFilter {
  filter: FilterInput | undefined;
  /** Where the advanced JSON sits inside `filter` (`$and[3]`, or '' when it is the whole filter). */
  advancedPath: string | null;
  /** The advanced JSON does not parse (or is not an object): the filter is not sent until it does. */
  advancedError: string | null;
}

type FilterPart = { kind: 'advanced' | 'other'; filter: FilterInput };

function combine(parts: FilterInput[]): FilterInput | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { $and: parts };
}

export function parseAdvanced(text: string): { value?: FilterInput; error?: string } {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: 'The advanced filter must be a JSON object, such as {"status": "active"}.' };
    return { value: value as FilterInput };
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function composeFilter(object: ObjectSlug, state: FilterState, now = new Date()): ComposedFilter {
  const spec = objectSpec(object);
  const parts: FilterPart[] = [];
  for (const attribute of selectAttributes(object)) {
    const values = state.selects[attribute.slug] ?? [];
    if (values.length) parts.push({ kind: 'other', filter: { [attribute.slug]: { $in: values } } });
  }
  const tags = tagAttribute(object);
  if (tags && state.tags.length) {
    const operator = state.tagsMode === 'all' ? '$all' : '$in';
    parts.push({ kind: 'other', filter: { [tags.slug]: { [operator]: state.tags } } });
  }
  for (const [slug, link] of Object.entries(state.links))
    parts.push({ kind: 'other', filter: { [slug]: link.id } });
  const q = state.q.trim();
  if (q) {
    const searches = searchableAttributes(object).map((attribute) => ({
      [attribute.slug]: { $contains: q },
    }));
    parts.push({ kind: 'other', filter: searches.length === 1 ? searches[0]! : { $or: searches } });
  }
  const range = resolveDateRange(state, now);
  if (range) {
    const condition: Record<string, string> = {};
    if (range.from) condition.$gte = range.from;
    if (range.to) condition.$lt = range.to;
    parts.push({ kind: 'other', filter: { [spec.dateAttribute]: condition } });
  }
  const advanced = parseAdvanced(state.advanced);
  if (advanced.value && Object.keys(advanced.value).length)
    parts.push({ kind: 'advanced', filter: advanced.value });

  const advancedIndex = parts.findIndex((part) => part.kind === 'advanced');
  return {
    filter: combine(parts.map((part) => part.filter)),
    advancedPath: advancedIndex < 0 ? null : parts.length === 1 ? '' : `$and[${advancedIndex}]`,
    advancedError: advanced.error ?? null,
  };
}

// ---- relative ranges in saved views ---------------------------------------------------------------

/** The bar's relative presets as the shared ones a view stores (shared/date-presets.ts). */
const viewPresets = {
  '7d': 'last_7_days',
  '30d': 'last_30_days',
  '90d': 'last_90_days',
  year: 'this_year',
} as const satisfies Partial<Record<DatePreset, SharedDatePreset>>;

/**
 * What a view saves of the bar: a relative preset as itself (`dateRange`), resolved whenever the view
 * is opened, and the rest as the filter; a custom range stays in the filter, as fixed dates.
 */
export function viewDefinitionOf(
  object: ObjectSlug,
  state: FilterState,
): { filter: FilterInput; dateRange: ViewDateRange | null } {
  const preset = state.date && state.date !== 'custom' ? viewPresets[state.date] : undefined;
  if (!preset) return { filter: composeFilter(object, state).filter ?? {}, dateRange: null };
  return {
    filter: composeFilter(object, { ...state, date: null }).filter ?? {},
    dateRange: { attribute: objectSpec(object).dateAttribute, preset },
  };
}

/** The bar's state for a saved view: its filter, and its relative range as the bar's preset. */
export function stateOfView(
  object: ObjectSlug,
  view: { filter: FilterInput; dateRange?: ViewDateRange | null },
  now = new Date(),
): FilterState {
  const state = decomposeFilter(object, view.filter, now);
  const range = view.dateRange;
  if (!range || range.attribute !== objectSpec(object).dateAttribute) return state;
  const barPreset = (Object.keys(viewPresets) as (keyof typeof viewPresets)[]).find(
    (key) => viewPresets[key] === range.preset,
  );
  return barPreset ? { ...state, date: barPreset } : state;
}

// ---- reading a saved filter back into the bar -----------------------------------------------------

const stable = (value: unknown): string => JSON.stringify(value);

function splitParts(filter: FilterInput): FilterInput[] {
  const keys = Object.keys(filter);
  if (keys.length === 1 && keys[0] === '$and' && Array.isArray(filter.$and)) {
    return (filter.$and as unknown[]).flatMap((part) =>
      typeof part === 'object' && part !== null && !Array.isArray(part)
        ? splitParts(part as FilterInput)
        : [],
    );
  }
  // Several keys in one object mean AND: one part per key.
  return keys.map((key) => ({ [key]: filter[key] }));
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/**
 * The bar's state for a saved filter. A part is taken into a control only when composing that control
 * gives the part back exactly; everything else stays in the advanced JSON, so nothing is ever lost.
 */
export function decomposeFilter(object: ObjectSlug, filter: FilterInput, now = new Date()): FilterState {
  const state = emptyFilterState();
  const spec = objectSpec(object);
  const leftovers: FilterInput[] = [];
  const selects = new Map(selectAttributes(object).map((attribute) => [attribute.slug, attribute]));
  const tags = tagAttribute(object);
  const searchable = searchableAttributes(object);
  const references = new Set(referenceAttributes(object).map((attribute) => attribute.slug));

  for (const part of splitParts(filter)) {
    const [key] = Object.keys(part);
    const value = key === undefined ? undefined : part[key];
    const taken = ((): boolean => {
      if (key === undefined) return true;
      const select = selects.get(key);
      if (select && !state.selects[key]) {
        const operators =
          typeof value === 'object' && value !== null && Object.keys(value).length === 1
            ? (value as Record<string, unknown>)
            : undefined;
        const values: string[] | undefined =
          typeof value === 'string'
            ? [value]
            : operators
              ? (stringArray(operators.$in) ??
                (typeof operators.$eq === 'string' ? [operators.$eq] : undefined))
              : undefined;
        if (values?.length && values.every((option) => select.options?.includes(option))) {
          state.selects[key] = values;
          return true;
        }
        return false;
      }
      if (tags && key === tags.slug && !state.tags.length) {
        if (typeof value === 'string') {
          state.tags = [value];
          return true;
        }
        if (typeof value === 'object' && value !== null && Object.keys(value).length === 1) {
          const record = value as Record<string, unknown>;
          const any = stringArray(record.$in);
          const all = stringArray(record.$all);
          if (any?.length || all?.length) {
            state.tags = any ?? all ?? [];
            state.tagsMode = all ? 'all' : 'any';
            return true;
          }
        }
        return false;
      }
      if (references.has(key) && typeof value === 'string' && !state.links[key]) {
        state.links[key] = { id: value, name: 'record' };
        return true;
      }
      if (key === spec.dateAttribute && state.date === null && typeof value === 'object' && value !== null) {
        const record = value as Record<string, unknown>;
        const onlyRange = Object.keys(record).every((operator) => operator === '$gte' || operator === '$lt');
        const from = typeof record.$gte === 'string' ? new Date(record.$gte) : undefined;
        const to = typeof record.$lt === 'string' ? new Date(Date.parse(record.$lt) - 1) : undefined;
        if (!onlyRange || (!from && !to)) return false;
        const candidate = {
          date: 'custom' as const,
          from: from ? toDateInput(from) : '',
          to: to ? toDateInput(to) : '',
        };
        const back = resolveDateRange(candidate, now);
        const same =
          stable({ $gte: back?.from, $lt: back?.to }) === stable({ $gte: record.$gte, $lt: record.$lt });
        if (!same) return false;
        Object.assign(state, candidate);
        return true;
      }
      if (!state.q) {
        const conditions =
          key === '$or' && Array.isArray(value)
            ? (value as unknown[])
            : searchable.length === 1 && key === searchable[0]?.slug
              ? [part]
              : undefined;
        const first = conditions?.[0] as Record<string, { $contains?: unknown }> | undefined;
        const q = first && searchable[0] ? first[searchable[0].slug]?.$contains : undefined;
        if (typeof q === 'string' && q.trim() === q && q) {
          const expected = searchable.map((attribute) => ({ [attribute.slug]: { $contains: q } }));
          if (stable(expected) === stable(conditions)) {
            state.q = q;
            return true;
          }
        }
      }
      return false;
    })();
    if (!taken) leftovers.push(part);
  }
  const advanced = combine(leftovers);
  state.advanced = advanced ? JSON.stringify(advanced, null, 2) : '';
  return state;
}

export function isFilterEmpty(state: FilterState): boolean {
  return (
    Object.values(state.selects).every((values) => values.length === 0) &&
    state.tags.length === 0 &&
    state.date === null &&
    !state.q.trim() &&
    Object.keys(state.links).length === 0 &&
    !state.advanced.trim()
  );
}

/** Where the server's INVALID_FILTER path points inside the advanced JSON, or null when elsewhere. */
export function pathInsideAdvanced(errorPath: string, advancedPath: string | null): string | null {
  if (advancedPath === null) return null;
  if (advancedPath === '') return errorPath;
  if (errorPath === advancedPath) return '';
  if (errorPath.startsWith(`${advancedPath}.`)) return errorPath.slice(advancedPath.length + 1);
  if (errorPath.startsWith(`${advancedPath}[`)) return errorPath.slice(advancedPath.length);
  return null;
}
