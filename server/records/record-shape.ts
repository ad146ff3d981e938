import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgSelect } from 'drizzle-orm/pg-core';
import {
  type AttributeSpec,
  type AttributeType,
  isPathAttribute,
  type ObjectSlug,
  objectSpec,
  type ReferenceTarget,
} from '../../shared/catalog';
import type { CrmRecord, RecordValue } from '../../shared/records';
import {
  attributeColumn,
  displayNameOf,
  linkAlias,
  linkedColumn,
  linkJoin,
  objectTable,
  referenceTargetColumn,
  referenceTargets,
} from './attributes';
import { isCanonicalIsoInstant } from './iso-instant';

const referenceNameSuffix = '__name';

/** The column an attribute reads: the object's own, or a linked record's through its join. */
export function sourceColumn(
  object: ObjectSlug,
  attribute: AttributeSpec,
): { column: PgColumn; value: SQL } | undefined {
  if (isPathAttribute(attribute)) {
    const { reference } = attribute.via;
    const column =
      attribute.leaf === 'id'
        ? referenceTargets[reference].id
        : referenceTargetColumn(reference, attribute.leaf);
    return column && { column, value: linkedColumn(linkAlias(attribute.via.slug), column) };
  }
  const column = attributeColumn(object, attribute.slug);
  return column && { column, value: sql`${column}` };
}

/**
 * The select list of a record: every attribute by slug; a reference adds its display name beside its id;
 * a path attribute (`company.domain`) reads the linked record's column. Each field is aliased to its key,
 * so the rows of the raw SQL (`.toSQL()` run on a driver cursor, as the exporter does) carry the same keys
 * as drizzle's, and `toRecord` reads either. Names and paths come from the joins of `withRecordJoins`.
 */
export function recordSelection(
  object: ObjectSlug,
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
): Record<string, PgColumn | SQL.Aliased> {
  const selection: Record<string, PgColumn | SQL.Aliased> = { id: objectTable(object).id };
  for (const attribute of attributes) {
    const source = sourceColumn(object, attribute);
    if (!source) continue;
    selection[attribute.slug] =
      attribute.type === 'date'
        ? // As text: a driver turns a DATE into a midnight timestamp in some time zone.
          sql<string | null>`to_char(${source.value}, 'YYYY-MM-DD')`.as(attribute.slug)
        : sql`${source.value}`.mapWith(source.column).as(attribute.slug);
    if (attribute.type === 'reference' && attribute.reference) {
      const key = attribute.slug + referenceNameSuffix;
      selection[key] = displayNameOf(attribute.reference, linkAlias(attribute.slug)).as(key);
    }
  }
  return selection;
}

/**
 * The display name of the record a reference attribute links to, read from its join (`withRecordJoins`);
 * null for an attribute that is not a reference.
 */
export function referenceNameOf(attribute: AttributeSpec): SQL<string | null> | null {
  return attribute.type === 'reference' && attribute.reference
    ? displayNameOf(attribute.reference, linkAlias(attribute.slug))
    : null;
}

/** The references `attributes` read through (for names or paths), each once, in the order first needed. */
export function linksRead(attributes: readonly AttributeSpec[]): { via: string; target: ReferenceTarget }[] {
  const links = new Map<string, ReferenceTarget>();
  for (const attribute of attributes) {
    if (isPathAttribute(attribute)) links.set(attribute.via.slug, attribute.via.reference);
    else if (attribute.type === 'reference' && attribute.reference)
      links.set(attribute.slug, attribute.reference);
  }
  return [...links].map(([via, target]) => ({ via, target }));
}

/** A select of `object`'s table that `recordSelection(object, attributes)` can read from: its LEFT JOINs added. */
export function withRecordJoins<Query extends PgSelect>(
  query: Query,
  object: ObjectSlug,
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
): Query {
  let joined = query;
  for (const { via, target } of linksRead(attributes)) {
    const join = linkJoin(object, via, target);
    // The select list is explicit (recordSelection), so a join leaves the row type as it was.
    joined = joined.leftJoin(join.table, join.on) as unknown as Query;
  }
  return joined;
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
