import { and, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { AttributeType, ObjectSlug } from '../../../shared/catalog';
import type { FilterCondition, FilterNode, ScalarFilterValue } from '../../../shared/filters';
import { attributeColumn, referenceTargetColumn, referenceTargets } from '../attributes';

/**
 * A validated filter as a parameterized SQL condition on `object`'s table. Every value travels as a
 * bind parameter (cast to the column's type in the SQL text); only catalog columns and fixed keywords
 * are ever part of the SQL text. The result is never NULL where it matters: see `$not` below.
 */
export function compileFilter(object: ObjectSlug, node: FilterNode, workspaceId: string): SQL {
  switch (node.kind) {
    case 'and':
      return node.children.length === 0
        ? sql`true`
        : (and(...node.children.map((child) => compileFilter(object, child, workspaceId))) as SQL);
    case 'or':
      return or(...node.children.map((child) => compileFilter(object, child, workspaceId))) as SQL;
    case 'not':
      // A condition on a NULL column is NULL, and NOT NULL is NULL: the row would vanish from both a
      // filter and its negation. Coalescing makes $not the complement of what its filter selects.
      return sql`not coalesce(${compileFilter(object, node.child, workspaceId)}, false)`;
    case 'condition':
      return compileCondition(object, node, workspaceId);
  }
}

function compileCondition(object: ObjectSlug, condition: FilterCondition, workspaceId: string): SQL {
  const column = attributeColumn(object, condition.attribute);
  if (!column) throw new Error(`No column for ${object}.${condition.attribute}`);
  if (!condition.through) return comparison(column, condition);
  const target = referenceTargets[condition.through.target];
  const targetColumn = referenceTargetColumn(condition.through.target, condition.through.attribute);
  if (!targetColumn)
    throw new Error(`No column for ${condition.through.target}.${condition.through.attribute}`);
  // Scoped to the workspace inside the subquery too, so a path can never reach another tenant's rows
  // even if a link pointed across workspaces.
  return sql`${column} in (select ${target.id} from ${target.table} where ${target.workspaceId} = ${workspaceId} and ${comparison(targetColumn, condition)})`;
}

/** A value as a bind parameter of the column's SQL type. */
function typedValue(type: AttributeType, value: ScalarFilterValue): SQL {
  switch (type) {
    case 'number':
      return sql`${value}::numeric`;
    case 'date':
      return sql`${value}::date`;
    case 'timestamp':
      return sql`${value}::timestamptz`;
    case 'reference':
      return sql`${value}::uuid`;
    default:
      return sql`${value}::text`;
  }
}

function textArray(values: readonly ScalarFilterValue[]): SQL {
  return sql`array[${sql.join(
    values.map((value) => sql`${String(value)}`),
    sql`, `,
  )}]::text[]`;
}

/** `%`, `_` and the escape character itself match literally in LIKE patterns. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

const isTextual = (type: AttributeType) => type === 'text' || type === 'email' || type === 'phone';

function comparison(column: PgColumn, condition: FilterCondition): SQL {
  const { type } = condition;
  switch (condition.operator) {
    case '$eq':
      return type === 'multiselect'
        ? sql`${column} @> ${textArray([condition.value])}`
        : sql`${column} = ${typedValue(type, condition.value)}`;
    case '$in':
      return type === 'multiselect'
        ? sql`${column} && ${textArray(condition.value)}`
        : sql`${column} in (${sql.join(
            condition.value.map((value) => typedValue(type, value)),
            sql`, `,
          )})`;
    case '$all':
      return sql`${column} @> ${textArray(condition.value)}`;
    case '$not_empty':
      if (type === 'multiselect') {
        return condition.value ? sql`cardinality(${column}) > 0` : sql`cardinality(${column}) = 0`;
      }
      if (isTextual(type)) {
        return condition.value
          ? sql`(${column} is not null and ${column} <> '')`
          : sql`(${column} is null or ${column} = '')`;
      }
      return condition.value ? sql`${column} is not null` : sql`${column} is null`;
    case '$contains':
      return sql`${column} ilike ${`%${escapeLike(String(condition.value))}%`}`;
    case '$starts_with':
      return sql`${column} ilike ${`${escapeLike(String(condition.value))}%`}`;
    case '$ends_with':
      return sql`${column} ilike ${`%${escapeLike(String(condition.value))}`}`;
    case '$lt':
      return sql`${column} < ${typedValue(type, condition.value)}`;
    case '$lte':
      return sql`${column} <= ${typedValue(type, condition.value)}`;
    case '$gt':
      return sql`${column} > ${typedValue(type, condition.value)}`;
    case '$gte':
      return sql`${column} >= ${typedValue(type, condition.value)}`;
  }
}
