import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { AttributeType } from '../../shared/catalog';
import { isUuid, parseIsoDate, parseIsoTimestamp } from '../../shared/filters';
import { ApiError } from '../errors/api-error';

/** One key of a record order: an attribute (or `id`, the final tie-breaker) and its direction. */
export interface SortKey {
  attribute: string;
  direction: 'asc' | 'desc';
}

/** A sort key bound to its column. */
export interface OrderKey extends SortKey {
  column: PgColumn;
  /** The SQL type family of the column, for casting cursor values back. */
  type: AttributeType | 'id';
}

/** The sort values of the last row of a page, one per order key, as exact text (NULL stays null). */
export type CursorValues = (string | null)[];

/**
 * The sort value as text that casts back to exactly the same value: timestamps keep their microseconds
 * (a JS Date would round them to milliseconds and the next page would repeat or skip rows).
 */
export function cursorValueExpression(key: OrderKey): SQL<string | null> {
  switch (key.type) {
    case 'timestamp':
      return sql<string | null>`to_char(${key.column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case 'date':
      return sql<string | null>`to_char(${key.column}, 'YYYY-MM-DD')`;
    default:
      return sql<string | null>`${key.column}::text`;
  }
}

function typedCursorValue(key: OrderKey, value: string): SQL {
  switch (key.type) {
    case 'timestamp':
      return sql`${value}::timestamptz`;
    case 'date':
      return sql`${value}::date`;
    case 'number':
      return sql`${value}::numeric`;
    case 'id':
      return sql`${value}::uuid`;
    default:
      return sql`${value}::text`;
  }
}

function isValidCursorValue(key: OrderKey, value: string): boolean {
  switch (key.type) {
    case 'timestamp':
      return parseIsoTimestamp(value) !== undefined;
    case 'date':
      return parseIsoDate(value) !== undefined;
    case 'number':
      return /^-?\d{1,30}(\.\d{1,30})?$/.test(value);
    case 'id':
      return isUuid(value);
    default:
      return value.length <= 10_000 && !value.includes('\u0000');
  }
}

/** A fingerprint of the order, so a cursor taken under one sort is refused under another. */
function orderSignature(keys: readonly SortKey[]): string {
  return keys.map((key) => `${key.attribute}:${key.direction}`).join(',');
}

function invalidCursor(reason: string): ApiError {
  return new ApiError('VALIDATION_ERROR', 'Input is not valid', {
    issues: [{ path: 'cursor', code: 'invalid_cursor', message: reason }],
  });
}

/** An opaque cursor: base64url JSON of the order fingerprint and the last row's sort values. */
export function encodeCursor(keys: readonly SortKey[], values: CursorValues): string {
  return Buffer.from(JSON.stringify({ o: orderSignature(keys), v: values })).toString('base64url');
}

/** The sort values in `cursor`, checked against the order and each key's type (VALIDATION_ERROR if not). */
export function decodeCursor(keys: readonly OrderKey[], cursor: string): CursorValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('Cursor is not one this API returned');
  }
  const body = parsed as { o?: unknown; v?: unknown } | null;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.v) || typeof body.o !== 'string') {
    throw invalidCursor('Cursor is not one this API returned');
  }
  if (body.o !== orderSignature(keys)) {
    throw invalidCursor('Cursor was taken under another sort order; start again without a cursor');
  }
  return checkCursorValues(keys, body.v);
}

export function checkCursorValues(keys: readonly OrderKey[], values: readonly unknown[]): CursorValues {
  if (values.length !== keys.length) throw invalidCursor('Cursor does not fit this sort order');
  return keys.map((key, index) => {
    const value = values[index];
    if (value === null && key.type !== 'id' && !key.column.notNull) return null;
    if (typeof value !== 'string' || !isValidCursorValue(key, value)) {
      throw invalidCursor(`Cursor holds an invalid value for '${key.attribute}'`);
    }
    return value;
  });
}

/**
 * Rows strictly after `values` in the order of `keys` (the last key is the unique id). NULLs sort as
 * Postgres sorts them by default — after every value ascending, before every value descending — so the
 * ORDER BY stays index-friendly. When every key is NOT NULL and shares one direction this is a row
 * comparison, which Postgres turns into an index range.
 */
export function keysetCondition(keys: readonly OrderKey[], values: CursorValues): SQL {
  const direction = keys[0]?.direction;
  const simple = keys.every(
    (key, index) =>
      key.direction === direction && (key.type === 'id' || key.column.notNull) && values[index] !== null,
  );
  if (simple) {
    const columns = sql.join(
      keys.map((key) => sql`${key.column}`),
      sql`, `,
    );
    const bound = sql.join(
      keys.map((key, index) => typedCursorValue(key, values[index] as string)),
      sql`, `,
    );
    return direction === 'asc' ? sql`(${columns}) > (${bound})` : sql`(${columns}) < (${bound})`;
  }
  const alternatives: SQL[] = [];
  for (let index = 0; index < keys.length; index++) {
    const after = strictlyAfter(keys[index] as OrderKey, values[index] ?? null);
    if (!after) continue;
    const equalBefore = keys.slice(0, index).map((key, position) => equalTo(key, values[position] ?? null));
    alternatives.push(sql.join([...equalBefore, after], sql` and `));
  }
  if (alternatives.length === 0) return sql`false`;
  return sql`(${sql.join(
    alternatives.map((alternative) => sql`(${alternative})`),
    sql` or `,
  )})`;
}

function equalTo(key: OrderKey, value: string | null): SQL {
  return value === null ? sql`${key.column} is null` : sql`${key.column} = ${typedCursorValue(key, value)}`;
}

function strictlyAfter(key: OrderKey, value: string | null): SQL | undefined {
  const nullable = key.type !== 'id' && !key.column.notNull;
  if (key.direction === 'asc') {
    if (value === null) return undefined; // NULLs come last: nothing sorts after a NULL but other NULLs
    const greater = sql`${key.column} > ${typedCursorValue(key, value)}`;
    return nullable ? sql`(${greater} or ${key.column} is null)` : greater;
  }
  if (value === null) return sql`${key.column} is not null`;
  return sql`${key.column} < ${typedCursorValue(key, value)}`;
}
