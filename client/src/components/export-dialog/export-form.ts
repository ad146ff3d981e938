import {
  type AttributeSpec,
  exportableAttributes,
  exportColumnGroups,
  isPathAttribute,
  type ObjectSlug,
  objectSpec,
} from '../../../../shared/catalog';
import { type DatePreset, resolveDatePreset } from '../../../../shared/date-presets';
import type { DateRangeInput, ExportFormat, StartExportInput } from '../../../../shared/exports';
import { andFilters } from '../../../../shared/filters';
import type { FilterInput, SortInput } from '../../../../shared/records';

export type ExportScope = 'current' | 'view' | 'all' | 'selected';

/** Rows selected on the record page: by id, or "all N matching" the page's filter (`ids` null). */
export interface RowSelection {
  ids: string[] | null;
  count: number;
}

export interface ColumnChoice {
  slug: string;
  label: string;
  checked: boolean;
  /** The linked record a path column comes from (`Company` for `company.domain`), to group it under. */
  group?: string;
}

export interface ExportForm {
  scope: ExportScope;
  viewId: string | null;
  format: ExportFormat;
  columns: ColumnChoice[];
  dateAttribute: string;
  dateFrom: string;
  dateTo: string;
  /** A relative period ("Last 7 days"), kept relative: resolved when the export runs. '' for dates. */
  datePreset: DatePreset | '';
  /** "Excel-friendly CSV": a byte order mark, and timestamps in the form Excel reads as dates. */
  includeBom: boolean;
  /** Select options as the app shows them, or as stored (for programs). */
  values: 'labels' | 'raw';
  timezone: string;
  emailMe: boolean;
}

/** Every exportable attribute in catalog order, the chosen ones first in the order they are shown. */
export function initialColumns(
  object: ObjectSlug,
  chosen: readonly string[],
  attributes: readonly AttributeSpec[] = exportableAttributes(object),
): ColumnChoice[] {
  const picked = chosen.flatMap((slug) => attributes.filter((attribute) => attribute.slug === slug));
  const rest = attributes.filter((attribute) => !chosen.includes(attribute.slug));
  const choice = (attribute: AttributeSpec, checked: boolean): ColumnChoice => ({
    slug: attribute.slug,
    label: attribute.label,
    checked,
    ...(isPathAttribute(attribute) ? { group: attribute.via.label } : {}),
  });
  return [
    ...picked.map((attribute) => choice(attribute, true)),
    ...rest.map((attribute) => choice(attribute, false)),
  ];
}

/**
 * The export dialog's columns: the object's own, then each linked record's (`Company › Domain`, grouped
 * by relation; derived from the catalog), the chosen ones first.
 */
export function exportColumnChoices(object: ObjectSlug, chosen: readonly string[]): ColumnChoice[] {
  return initialColumns(
    object,
    chosen,
    exportColumnGroups(object).flatMap((group) => group.attributes),
  );
}

export const timeAttributes = (object: ObjectSlug) =>
  objectSpec(object).attributes.filter(
    (attribute) => (attribute.type === 'timestamp' || attribute.type === 'date') && attribute.filterable,
  );

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', browserTimeZone(), ...zones])];
}

/** Local day bounds as instants, so "to 2026-03-31" includes all of that day wherever the user is. */
export function dateRangeOf(form: ExportForm): DateRangeInput | undefined {
  if (form.datePreset) return { attribute: form.dateAttribute, preset: form.datePreset };
  if (!form.dateFrom && !form.dateTo) return undefined;
  const day = (value: string, end: boolean) => {
    const [year, month, date] = value.split('-').map(Number);
    const local = end
      ? new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1, 23, 59, 59, 999)
      : new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1);
    return local.toISOString();
  };
  return {
    attribute: form.dateAttribute,
    ...(form.dateFrom ? { from: day(form.dateFrom, false) } : {}),
    ...(form.dateTo ? { to: day(form.dateTo, true) } : {}),
  };
}

/** The date range as a filter, for the row estimate (the server ANDs `dateRange` the same way). */
export function dateRangeFilter(
  range: DateRangeInput | undefined,
  zone = browserTimeZone(),
): FilterInput | undefined {
  if (!range) return undefined;
  if (range.preset) {
    // For the estimate only: the days it means now, as UTC days (the server resolves it in the zone).
    const { from, to } = resolveDatePreset(range.preset, zone, new Date());
    return { [range.attribute]: { $gte: `${from}T00:00:00Z`, $lte: `${to}T23:59:59.999Z` } };
  }
  const condition: Record<string, string> = {};
  if (range.from) condition.$gte = range.from;
  if (range.to) condition.$lte = range.to;
  return { [range.attribute]: condition };
}

export function startInput(
  object: ObjectSlug,
  form: ExportForm,
  page: { filter: FilterInput | undefined; sort: SortInput[number]; selection?: RowSelection | null },
): StartExportInput {
  const dateRange = dateRangeOf(form);
  const selectedIds = form.scope === 'selected' ? page.selection?.ids : null;
  // "All N matching" selected is the page's filter; selected ids are just those rows.
  const pageFilter = form.scope === 'current' || (form.scope === 'selected' && !selectedIds);
  return {
    object,
    format: form.format,
    ...(form.scope === 'view' && form.viewId ? { viewId: form.viewId } : {}),
    ...(pageFilter && page.filter ? { filter: page.filter } : {}),
    ...(selectedIds?.length ? { ids: selectedIds } : {}),
    ...(form.scope === 'current' || form.scope === 'selected' ? { sort: [page.sort] } : {}),
    ...(dateRange ? { dateRange } : {}),
    columns: form.columns.filter((column) => column.checked).map((column) => column.slug),
    options: {
      ...(form.format === 'csv'
        ? { includeBom: form.includeBom, dateFormat: form.includeBom ? 'spreadsheet' : 'iso' }
        : {}),
      values: form.values,
      timezone: form.timezone,
    },
    ...(form.emailMe ? { notify: { email: true } } : {}),
  };
}

/** What `.count` should be asked to estimate the export's rows. */
export function estimateInput(
  form: ExportForm,
  page: { filter: FilterInput | undefined },
): { filter?: FilterInput; viewId?: string } {
  const dates = dateRangeFilter(dateRangeOf(form), form.timezone);
  const base = form.scope === 'current' || form.scope === 'selected' ? page.filter : undefined;
  const filter = andFilters(base, dates);
  return {
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(form.scope === 'view' && form.viewId ? { viewId: form.viewId } : {}),
  };
}
