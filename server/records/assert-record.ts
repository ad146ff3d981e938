import { and, count, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import { type AttributeSpec, findAttribute, objectSpec } from '../../shared/catalog';
import { type FilterCondition, isUuid, parseIsoDate, parseIsoTimestamp } from '../../shared/filters';
import type { AssertRecordInput, CrmRecord } from '../../shared/records';
import type { Db } from '../db/database';
import { ApiError } from '../errors/api-error';
import { attributeColumn, objectTable, referenceTargets } from './attributes';
import { compileFilter } from './filters/compile-filter';
import { getRecord } from './get-record';

/** The objects that can be asserted (created or updated by a matching attribute). */
export type AssertableObject = 'people' | 'companies';

/** Set by the database, never by a caller. */
const readOnlyAttributes = new Set(['created_at', 'updated_at']);
const maxTextLength = 2000;
const maxTags = 50;
const emailPattern = /^[^\s@]+@[^\s@]+$/;
const int32 = { min: -2_147_483_648, max: 2_147_483_647 };

type ColumnValue = string | number | Date | string[] | null;

function invalid(path: string, message: string): ApiError {
  return new ApiError('VALIDATION_ERROR', message, { issues: [{ path, code: 'invalid_value', message }] });
}

function checkText(value: unknown, path: string, attribute: AttributeSpec): string {
  if (typeof value !== 'string') throw invalid(path, `'${attribute.slug}' takes a string`);
  if (value.length > maxTextLength)
    throw invalid(path, `'${attribute.slug}' is longer than ${maxTextLength} characters`);
  if (value.includes('\u0000')) throw invalid(path, `'${attribute.slug}' contains a NUL character`);
  return value;
}

/** One attribute value from a request, checked against the catalog and made ready for its column. */
function columnValue(attribute: AttributeSpec, column: PgColumn, value: unknown, path: string): ColumnValue {
  if (value === null) {
    if (attribute.type === 'multiselect') return [];
    if (column.notNull) throw invalid(path, `'${attribute.slug}' cannot be empty`);
    return null;
  }
  switch (attribute.type) {
    case 'text':
    case 'phone':
      return checkText(value, path, attribute);
    case 'email': {
      const email = checkText(value, path, attribute).trim();
      if (!emailPattern.test(email)) throw invalid(path, `'${value}' is not an email address`);
      return email;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < int32.min || value > int32.max) {
        throw invalid(path, `'${attribute.slug}' takes a whole number`);
      }
      return value;
    case 'select': {
      const option = checkText(value, path, attribute);
      if (!attribute.options?.includes(option)) {
        throw invalid(
          path,
          `Unknown option '${option}' for '${attribute.slug}' (options: ${attribute.options?.join(', ')})`,
        );
      }
      return option;
    }
    case 'multiselect': {
      if (!Array.isArray(value)) throw invalid(path, `'${attribute.slug}' takes an array of strings`);
      if (value.length > maxTags) throw invalid(path, `'${attribute.slug}' holds at most ${maxTags} values`);
      const tags = value.map((tag, index) => {
        const text = checkText(tag, `${path}.${index}`, attribute).trim();
        if (!text) throw invalid(`${path}.${index}`, `A value of '${attribute.slug}' cannot be empty`);
        return text;
      });
      return [...new Set(tags)];
    }
    case 'date': {
      const date = typeof value === 'string' ? parseIsoDate(value) : undefined;
      if (!date) throw invalid(path, `'${attribute.slug}' takes an ISO date (YYYY-MM-DD)`);
      return date;
    }
    case 'timestamp': {
      const timestamp = typeof value === 'string' ? parseIsoTimestamp(value) : undefined;
      if (!timestamp) throw invalid(path, `'${attribute.slug}' takes an ISO timestamp`);
      return new Date(timestamp);
    }
    case 'reference': {
      const id =
        typeof value === 'string' ? value : typeof value === 'object' && 'id' in value ? value.id : undefined;
      if (typeof id !== 'string' || !isUuid(id))
        throw invalid(path, `'${attribute.slug}' takes a record id (UUID)`);
      return id.toLowerCase();
    }
  }
}

/** The property of the drizzle table that holds `column`, for insert and update objects. */
function propertyOf(table: ReturnType<typeof objectTable>, column: PgColumn): string {
  const entry = Object.entries(getTableColumns(table)).find(([, candidate]) => candidate === column);
  if (!entry) throw new Error(`Column ${column.name} is not on ${table._.name}`);
  return entry[0];
}

interface CheckedValue {
  attribute: AttributeSpec;
  column: PgColumn;
  value: ColumnValue;
}

function checkValues(object: AssertableObject, values: Record<string, unknown>): CheckedValue[] {
  return Object.entries(values).map(([slug, value]) => {
    const path = `values.${slug}`;
    const attribute = findAttribute(object, slug);
    const column = attribute ? attributeColumn(object, slug) : undefined;
    if (!attribute || !column) throw invalid(path, `Unknown attribute '${slug}' for ${object}`);
    if (readOnlyAttributes.has(slug)) throw invalid(path, `'${slug}' is set by the server`);
    return { attribute, column, value: columnValue(attribute, column, value, path) };
  });
}

async function checkReferences(db: Db, workspaceId: string, checked: readonly CheckedValue[]): Promise<void> {
  for (const { attribute, value } of checked) {
    if (attribute.type !== 'reference' || typeof value !== 'string' || !attribute.reference) continue;
    const target = referenceTargets[attribute.reference];
    const [found] = await db
      .select({ id: target.id })
      .from(target.table)
      .where(and(eq(target.id, value), eq(target.workspaceId, workspaceId)));
    if (!found) {
      throw invalid(
        `values.${attribute.slug}`,
        `No ${attribute.reference} record with id '${value}' in this workspace`,
      );
    }
  }
}

/** The unique columns of each object: a second record with the same value would be refused by Postgres. */
const uniqueAttributes: Record<AssertableObject, string[]> = { people: ['email'], companies: ['domain'] };

async function checkUnique(
  db: Db,
  workspaceId: string,
  object: AssertableObject,
  checked: readonly CheckedValue[],
  exceptId: string | undefined,
): Promise<void> {
  const table = objectTable(object);
  for (const { attribute, column, value } of checked) {
    if (!uniqueAttributes[object].includes(attribute.slug) || typeof value !== 'string') continue;
    const [taken] = await db
      .select({ id: table.id })
      .from(table)
      .where(
        and(
          eq(table.workspaceId, workspaceId),
          eq(column, value),
          exceptId ? ne(table.id, exceptId) : undefined,
        ),
      )
      .limit(1);
    if (taken) {
      throw invalid(
        `values.${attribute.slug}`,
        `Another ${objectSpec(object).singular.toLowerCase()} already has ${attribute.slug} '${value}'`,
      );
    }
  }
}

function matchCondition(attribute: AssertableAttribute, value: ColumnValue): FilterCondition {
  const scalar = value instanceof Date ? value.toISOString() : (value as string | number);
  return {
    kind: 'condition',
    attribute: attribute.slug,
    path: attribute.slug,
    label: attribute.label,
    type: attribute.type,
    operator: '$eq',
    value: scalar,
  };
}

type AssertableAttribute = AttributeSpec;

/**
 * Attio's "assert a record": creates the record when no record has `values[matching_attribute]`,
 * updates it when exactly one has, and writes nothing (MULTIPLE_MATCH_RESULTS) when several have.
 * One transaction, serialized per matching value, so two concurrent asserts cannot both create.
 */
export async function assertRecord(
  db: Db,
  workspaceId: string,
  object: AssertableObject,
  input: z.infer<typeof AssertRecordInput>,
): Promise<{ record: CrmRecord; created: boolean }> {
  const matching = findAttribute(object, input.matching_attribute);
  if (!matching || matching.type === 'multiselect' || readOnlyAttributes.has(matching.slug)) {
    throw invalid(
      'matching_attribute',
      matching
        ? `'${input.matching_attribute}' cannot identify a record`
        : `Unknown attribute '${input.matching_attribute}' for ${object}`,
    );
  }
  const checked = checkValues(object, input.values);
  const matchValue = checked.find((entry) => entry.attribute.slug === matching.slug)?.value;
  if (matchValue === undefined || matchValue === null) {
    throw invalid(
      `values.${matching.slug}`,
      `values must hold a value for the matching attribute '${matching.slug}'`,
    );
  }
  const table = objectTable(object);
  const where = and(
    eq(table.workspaceId, workspaceId),
    compileFilter(object, matchCondition(matching, matchValue), workspaceId),
  );

  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    const lockKey = `assert:${workspaceId}:${object}:${matching.slug}:${String(matchValue instanceof Date ? matchValue.toISOString() : matchValue)}`;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`);
    const [counted] = await tx.select({ total: count() }).from(table).where(where);
    const total = counted?.total ?? 0;
    if (total > 1) {
      throw new ApiError(
        'MULTIPLE_MATCH_RESULTS',
        `${total} ${objectSpec(object).plural.toLowerCase()} match ${matching.slug} = '${String(matchValue)}'`,
        { matching_attribute: matching.slug, match_count: total },
      );
    }
    const [existing] = total === 1 ? await tx.select({ id: table.id }).from(table).where(where) : [];
    await checkReferences(txDb, workspaceId, checked);
    await checkUnique(txDb, workspaceId, object, checked, existing?.id);
    const row: Record<string, ColumnValue> = {};
    for (const { column, value } of checked) row[propertyOf(table, column)] = value;

    if (existing) {
      await tx
        .update(table)
        .set({ ...row, updatedAt: new Date() } as typeof table.$inferInsert)
        .where(and(eq(table.workspaceId, workspaceId), eq(table.id, existing.id)));
      return { record: await getRecord(txDb, workspaceId, object, existing.id), created: false };
    }
    if (object === 'companies' && (typeof row.name !== 'string' || row.name.trim() === '')) {
      throw invalid('values.name', 'A new company needs a name');
    }
    const [inserted] = await tx
      .insert(table)
      .values({ ...row, workspaceId } as typeof table.$inferInsert)
      .returning({ id: table.id });
    if (!inserted) throw new Error('insert returned nothing');
    return { record: await getRecord(txDb, workspaceId, object, inserted.id), created: true };
  });
}
