import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { type AttributeSpec, type ObjectSlug, objectSpec } from '../../shared/catalog';
import type { CrmRecord, RecordValue } from '../../shared/records';
import { attributeColumn, displayNameOf, objectTable } from './attributes';

const referenceNameSuffix = '__name';

/** The select list of a record: every attribute by slug; a reference adds its display name beside its id. */
export function recordSelection(
  object: ObjectSlug,
  attributes: readonly AttributeSpec[] = objectSpec(object).attributes,
) {
  const selection: Record<string, PgColumn | SQL> = { id: objectTable(object).id };
  for (const attribute of attributes) {
    const column = attributeColumn(object, attribute.slug);
    if (!column) continue;
    selection[attribute.slug] = column;
    if (attribute.type === 'reference' && attribute.reference) {
      selection[attribute.slug + referenceNameSuffix] = displayNameOf(attribute.reference, column);
    }
  }
  return selection;
}

/** A database row of `recordSelection` as the wire record: ISO dates, `{ id, name }` references. */
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
        : toWireValue(value);
  }
  return record;
}

function toWireValue(value: unknown): RecordValue {
  if (value == null) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}
