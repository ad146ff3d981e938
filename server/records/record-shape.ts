import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { type AttributeSpec, type AttributeType, type ObjectSlug, objectSpec } from '../../shared/catalog';
import type { CrmRecord, RecordValue } from '../../shared/records';
import { attributeColumn, displayNameOf, objectTable } from './attributes';
import { isCanonicalIsoInstant } from './iso-instant';

const referenceNameSuffix = '__name';

/**
 * The select list of a record: every attribute by slug; a reference adds its display name beside its id.
 * Each field is aliased to its key, so the rows of the raw SQL (`.toSQL()` run on a driver cursor, as the
 * exporter does) carry the same keys as drizzle's, and `toRecord` reads either.
 */
export function recordSelection(
  object: ObjectSlug,
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
): Record<string, PgColumn | SQL.Aliased> {
  const selection: Record<string, PgColumn | SQL.Aliased> = { id: objectTable(object).id };
  for (const attribute of attributes) {
    const column = attributeColumn(object, attribute.slug);
    if (!column) continue;
    selection[attribute.slug] =
      attribute.type === 'date'
        ? // As text: a driver turns a DATE into a midnight timestamp in some time zone.
          sql<string | null>`to_char(${column}, 'YYYY-MM-DD')`.as(attribute.slug)
        : sql`${column}`.mapWith(column).as(attribute.slug);
    if (attribute.type === 'reference' && attribute.reference) {
      const key = attribute.slug + referenceNameSuffix;
      selection[key] = displayNameOf(attribute.reference, column, objectTable(object).workspaceId).as(key);
    }
  }
  return selection;
}

/** A database row of `recordSelection` (from drizzle or a raw driver) as the wire record. */
export function toRecord(
  object: ObjectSlug,
  row: Record<string, unknown>,
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
): CrmRecord {
  const record: CrmRecord = { id: String(row.id) };
  for (const attribute of attributes) {
    const value = row[attribute.slug];
    record[attribute.slug] =
      attribute.type === 'reference'
        ? value == null
          ? null
          : { id: String(value), name: (row[attribute.slug + referenceNameSuffix] as string | null) ?? null }
        : toWireValue(attribute.type, value);
  }
  return record;
}

/**
 * `toRecord` for the rows of a driver's `.values()` (arrays in the select list's order, `names` naming each
 * position): the positions are looked up once, and no intermediate row object is built per row. An
 * export reads a million rows through it.
 */
export function recordReader(
  object: ObjectSlug,
  names: readonly string[],
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
): (values: readonly unknown[]) => CrmRecord {
  const positionOf = (key: string) => names.indexOf(key);
  const idAt = positionOf('id');
  const fields = attributes.map((attribute) => ({
    slug: attribute.slug,
    type: attribute.type,
    at: positionOf(attribute.slug),
    nameAt: attribute.type === 'reference' ? positionOf(attribute.slug + referenceNameSuffix) : -1,
  }));
  return (values) => {
    const record: CrmRecord = { id: String(values[idAt]) };
    for (const field of fields) {
      const value = field.at < 0 ? undefined : values[field.at];
      record[field.slug] =
        field.type === 'reference'
          ? value == null
            ? null
            : { id: String(value), name: (values[field.nameAt] as string | null | undefined) ?? null }
          : toWireValue(field.type, value);
    }
    return record;
  };
}

/** Dates `YYYY-MM-DD`, timestamps ISO-8601 UTC, numbers as numbers, multiselects as string arrays. */
function toWireValue(type: AttributeType, value: unknown): RecordValue {
  if (value == null) return null;
  if (value instanceof Date) return type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  if (type === 'timestamp' && typeof value === 'string') {
    if (isCanonicalIsoInstant(value)) return value;
    // Postgres' text form (`2026-01-01 10:00:00.123456+00`) as well as ISO-8601.
    let text = value.replace(' ', 'T');
    if (/[+-]\d\d$/.test(text)) text += ':00';
    else if (!/(Z|[+-]\d\d:?\d\d)$/.test(text)) text += 'Z';
    const parsed = new Date(text);
    return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
  }
  if (type === 'number' && (typeof value === 'string' || typeof value === 'bigint')) return Number(value);
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}
