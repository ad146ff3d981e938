import type { z } from 'zod';
import type { Role } from '../../shared/auth';
import {
  type AttributeSpec,
  findAttribute,
  findExportColumn,
  type ObjectSlug,
  objectSpec,
} from '../../shared/catalog';
import { datePresetLabels, resolveDatePreset } from '../../shared/date-presets';
import {
  ExportOptions,
  type ExportOptions as ExportOptionsType,
  type StartExportInput,
} from '../../shared/exports';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { nextDay, startOfDayIn } from '../records/date-range';

export { startOfDayIn } from '../records/date-range';

import { resolveRecordQuery } from '../records/record-query';
import type { ExportColumn } from './writers';
import { exportColumnOf } from './writers/cell-values';

export type ExportRequest = z.output<typeof StartExportInput>;
export type ResolvedQuery = Awaited<ReturnType<typeof resolveRecordQuery>>;

export interface ExportScope {
  workspaceId: string;
  userId: string;
  role: Role;
}

export interface ExportPlan {
  object: ObjectSlug;
  query: ResolvedQuery;
  attributes: AttributeSpec[];
  columns: ExportColumn[];
  options: ExportOptionsType;
  title: string;
  summary: string[];
}

/**
 * Each chosen column must be an exportable catalog attribute of the object, or a path to one of a linked
 * record (`company.domain`, `company.id`); else VALIDATION_ERROR naming it.
 */
function chosenAttributes(object: ObjectSlug, slugs: readonly string[], field: string): AttributeSpec[] {
  const issues: { path: string; message: string }[] = [];
  const attributes: AttributeSpec[] = [];
  const seen = new Set<string>();
  slugs.forEach((slug, index) => {
    const attribute = findExportColumn(object, slug);
    if (!attribute)
      issues.push({
        path: `${field}.${index}`,
        message: slug.includes('.')
          ? `'${slug}' is not an exportable attribute of a record linked to ${object}`
          : `'${slug}' is not an exportable attribute of ${object}`,
      });
    else if (seen.has(slug)) issues.push({ path: `${field}.${index}`, message: `'${slug}' is listed twice` });
    else {
      seen.add(slug);
      attributes.push(attribute);
    }
  });
  if (issues.length) throw new ApiError('VALIDATION_ERROR', 'Some export columns are not valid', { issues });
  return attributes;
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The date range as one more filter of the filter language, AND-ed with the view and the filter. On a
 * timestamp attribute, a bare date means whole days in the export's time zone: `to: '2026-06-30'` keeps
 * everything up to the end of June 30th there, not just its first instant.
 */
export function dateRangeFilter(
  object: ObjectSlug,
  request: ExportRequest,
  now: Date = new Date(),
): Record<string, unknown> | undefined {
  const range = absoluteRange(request, now);
  if (!range || (!range.from && !range.to)) return undefined;
  const attribute = findAttribute(object, range.attribute);
  if (!attribute || (attribute.type !== 'date' && attribute.type !== 'timestamp') || !attribute.filterable) {
    throw new ApiError('INVALID_FILTER', `'${range.attribute}' is not a date attribute of ${object}`, {
      field: 'dateRange',
      path: 'dateRange.attribute',
      reason: `The date range needs a date or timestamp attribute of ${object}, such as '${objectSpec(object).dateAttribute}'`,
    });
  }
  const zone = request.options?.timezone ?? 'UTC';
  const wholeDays = attribute.type === 'timestamp';
  const from =
    range.from && wholeDays && dateOnly.test(range.from) ? startOfDayIn(range.from, zone) : range.from;
  const upTo =
    range.to && wholeDays && dateOnly.test(range.to)
      ? { $lt: startOfDayIn(nextDay(range.to), zone) }
      : range.to
        ? { $lte: range.to }
        : {};
  return { [range.attribute]: { ...(from ? { $gte: from } : {}), ...upTo } };
}

/** The date range with a preset resolved to the calendar days it means at `now`, in the export's zone. */
function absoluteRange(request: ExportRequest, now: Date): ExportRequest['dateRange'] {
  const range = request.dateRange;
  if (!range?.preset) return range;
  const days = resolveDatePreset(range.preset, request.options?.timezone ?? 'UTC', now);
  return { attribute: range.attribute, ...days };
}

function describeRange(request: ExportRequest, zone: string, now: Date): string | undefined {
  const range = absoluteRange(request, now);
  if (!range || (!range.from && !range.to)) return undefined;
  const label = findAttribute(request.object, range.attribute)?.label ?? range.attribute;
  const preset = request.dateRange?.preset ? `${datePresetLabels[request.dateRange.preset]}, ` : '';
  return `${label}: ${preset}${range.from ?? '…'} → ${range.to ?? '…'} (${zone})`;
}

/**
 * Everything an export needs before it reads a row: the resolved query (view + filter + date range,
 * plus the snapshot bound when given), the columns and the options with defaults. startExport runs it
 * to refuse a bad request before queueing; the job runs it again when it starts.
 */
export async function planExport(
  db: Db,
  scope: ExportScope,
  request: ExportRequest,
  snapshot?: { createdBefore: Date },
): Promise<ExportPlan> {
  const object = request.object;
  const extraFilters: Record<string, unknown>[] = [];
  // A relative range ("last 7 days") means the days around the moment the export starts.
  const now = snapshot?.createdBefore ?? new Date();
  const range = dateRangeFilter(object, request, now);
  if (range) extraFilters.push(range);
  // Keyset paging cannot see a snapshot, so rows created after the export started are left out explicitly.
  if (snapshot) extraFilters.push({ created_at: { $lte: snapshot.createdBefore.toISOString() } });
  if (request.columns) chosenAttributes(object, request.columns, 'columns');
  const queryScope = { workspaceId: scope.workspaceId, userId: scope.userId, role: scope.role };
  const queryInput = {
    filter: request.filter,
    viewId: request.viewId,
    sort: request.sort,
    ids: request.ids,
    // A view's relative range means the days around the export's start, in the export's zone.
    timezone: request.options?.timezone ?? 'UTC',
    now,
  };
  const query = await resolveRecordQuery(db, queryScope, object, { ...queryInput, extraFilters });
  // The summary a reader sees (PDF page 1) leaves out the snapshot bound, which is an implementation detail.
  const described =
    snapshot && request.format === 'pdf'
      ? await resolveRecordQuery(db, queryScope, object, {
          ...queryInput,
          extraFilters: range ? [range] : [],
        })
      : query;
  const slugs = request.columns?.length
    ? request.columns
    : query.view?.columns.length
      ? query.view.columns
      : objectSpec(object).defaultColumns;
  const attributes = chosenAttributes(object, slugs, request.columns?.length ? 'columns' : 'view.columns');
  const options = ExportOptions.parse(request.options ?? {});
  const spec = objectSpec(object);
  const summary = [
    query.view ? `View: ${query.view.name}` : undefined,
    `Filter: ${described.summary || 'none'}`,
    request.ids ? `Selected rows: ${request.ids.length}` : undefined,
    describeRange(request, options.timezone, now) ?? 'Date range: all dates',
    `Sorted by: ${query.orderBy.map((key) => `${findAttribute(object, key.attribute)?.label ?? key.attribute} (${key.direction})`).join(', ')}`,
  ].filter((line): line is string => Boolean(line));
  return {
    object,
    query,
    attributes,
    columns: attributes.map(exportColumnOf),
    options,
    title: spec.plural,
    summary,
  };
}
