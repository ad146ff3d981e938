/**
 * The export query with every cell already formatted by the database, for CSV and JSON: Postgres turns
 * each row into the exact text the JS writers (csv-writer.ts, json-writer.ts, through cell-values.ts)
 * would write, and `COPY … TO STDOUT` streams it (copy-statement.ts). Profiles of the JS path put 80 %
 * of a CSV export's worker time in row parsing, record objects and papaparse; with the rows formatted
 * here the worker only moves bytes (measured in `npm run bench:export`).
 *
 * The rules, cell by cell, are those of `displayText`/`jsonValue` and `neutraliseForCsv`:
 * - references by name (CSV) or `{"id","name"}` (JSON); multiselects joined with ", " or as arrays;
 * - select options as the catalog's labels unless `values: 'raw'`;
 * - timestamps in the export's zone (the transaction's TimeZone, set by the reader): ISO-8601 with the
 *   offset (`Z` when it is zero) truncated to milliseconds, or the spreadsheet wall clock;
 * - CSV only: text that a spreadsheet would run as a formula gets a leading `'` (numbers never), and an
 *   empty value is NULL so COPY leaves it unquoted, as papaparse writes it.
 *
 * What differs from the JS writers, by construction (none of it in the demo or scale data): COPY does not
 * quote a value only because it starts or ends with a space or holds a BOM (papaparse does; a CSV reader
 * gets the same cell), an unknown select value (not in the catalog) is capitalised by Postgres's `upper`,
 * which follows the database's locale, and years before 1000 or after 9999 print differently. Time zone
 * rules come from the database's tz data, the JS writers' from Node's ICU: a zone Postgres does not know
 * keeps the JS path (see `sqlFormattable`).
 *
 * Every constant is a bound parameter, so the statement text has no literal a COPY inliner could misread.
 */
import { asc, desc, type SQL, sql } from 'drizzle-orm';
import type { AttributeSpec, ObjectSlug } from '../../../shared/catalog';
import { isPathAttribute, optionLabel } from '../../../shared/catalog';
import type { Db } from '../../db/database';
import { objectTable } from '../../records/attributes';
import { referenceNameOf, sourceColumn, withRecordJoins } from '../../records/record-shape';
import type { ResolvedQuery } from '../export-plan';
import type { ValueStyle } from '../writers/cell-values';

export type SqlFormat = 'csv' | 'json';

/** The style a database-formatted export supports: ISO or spreadsheet timestamps (PDF's `short` is JS's). */
export interface SqlValueStyle extends ValueStyle {
  timestamps: 'iso' | 'spreadsheet';
}

const text = (value: string): SQL => sql`${value}::text`;

/** `ascii()` codes of the characters that make a spreadsheet read a cell as a formula: = + - @ TAB CR LF. */
const formulaTriggers = [61, 43, 45, 64, 9, 13, 10];

/**
 * `neutraliseForCsv` in SQL. `ascii()` first: a regular expression on every value costs Postgres about
 * 5 s of CPU per million rows (measured), and almost no value starts with a trigger.
 */
function neutralised(value: SQL): SQL {
  const triggers = sql.join(
    formulaTriggers.map((code) => sql`${code}::int`),
    sql`, `,
  );
  return sql`case when ascii(${value}) in (${triggers}) and ${value} !~ ${text('^[+-][0-9 ().,/+-]*$')} then ${text("'")} || ${value} else ${value} end`;
}

/** A select option's label, as `optionLabel` makes it; values outside the catalog's options by rule. */
function optionText(value: SQL, attribute: AttributeSpec, style: SqlValueStyle): SQL {
  if (style.values === 'raw') return value;
  const known = (attribute.options ?? []).map(
    (option) => sql`when ${text(option)} then ${text(optionLabel(option))}`,
  );
  const byRule = sql`upper(left(${value}, 1)) || replace(substr(${value}, 2), ${text('_')}, ${text(' ')})`;
  return known.length ? sql`case ${value} ${sql.join(known, sql` `)} else ${byRule} end` : byRule;
}

/**
 * A timestamp as `timestampText` writes it, in the session's TimeZone (the export's zone): `to_char`
 * truncates to milliseconds as `Date` does, and a zero offset is written `Z` as `toISOString` does.
 */
function timestampText(value: SQL, style: SqlValueStyle): SQL {
  if (style.timestamps === 'spreadsheet') return sql`to_char(${value}, ${text('YYYY-MM-DD HH24:MI:SS')})`;
  if (style.timezone === 'UTC') return sql`to_char(${value}, ${text('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')})`;
  return sql`to_char(${value}, ${text('YYYY-MM-DD"T"HH24:MI:SS.MS')}) || coalesce(nullif(to_char(${value}, ${text('TZH:TZM')}), ${text('+00:00')}), ${text('Z')})`;
}

/** What an attribute reads, and the name of what it links to when it is a reference. */
function sourceOf(object: ObjectSlug, attribute: AttributeSpec): { value: SQL; name: SQL | null } {
  const source = sourceColumn(object, attribute);
  if (!source) throw new Error(`${object}.${attribute.slug} has no column`);
  return { value: source.value, name: isPathAttribute(attribute) ? null : referenceNameOf(attribute) };
}

/** A cell as CSV text, NULL when empty (COPY writes NULL as nothing, an empty string as `""`). */
function csvCell(object: ObjectSlug, attribute: AttributeSpec, style: SqlValueStyle): SQL {
  const { value, name } = sourceOf(object, attribute);
  switch (attribute.type) {
    case 'number':
      return sql`${value}::text`;
    case 'date':
      return sql`to_char(${value}, ${text('YYYY-MM-DD')})`;
    case 'timestamp':
      return timestampText(value, style);
    case 'reference':
      return name ? sql`nullif(${neutralised(name)}, '')` : sql`${value}::text`;
    case 'multiselect':
      return sql`nullif(${neutralised(sql`array_to_string(${value}, ${text(', ')})`)}, '')`;
    case 'select':
      return sql`nullif(${neutralised(optionText(value, attribute, style))}, '')`;
    default:
      return sql`nullif(${neutralised(sql`${value}::text`)}, '')`;
  }
}

/** A value as JSON text, as `JSON.stringify(jsonValue(…))` writes it (Postgres escapes strings alike). */
function jsonCell(object: ObjectSlug, attribute: AttributeSpec, style: SqlValueStyle): SQL {
  const { value, name } = sourceOf(object, attribute);
  const json = (of: SQL) => sql`coalesce(to_json(${of})::text, ${text('null')})`;
  switch (attribute.type) {
    case 'number':
      return sql`coalesce(${value}::text, ${text('null')})`;
    case 'date':
      return json(sql`to_char(${value}, ${text('YYYY-MM-DD')})`);
    case 'timestamp':
      return json(timestampText(value, style));
    case 'reference':
      if (!name) return json(sql`${value}::text`);
      return sql`case when ${value} is null then ${text('null')} else ${text('{"id":')} || to_json(${value}::text)::text || ${text(',"name":')} || ${json(name)} || ${text('}')} end`;
    case 'multiselect':
      return sql`coalesce(array_to_json(${value})::text, ${text('null')})`;
    case 'select':
      return json(optionText(value, attribute, style));
    default:
      return json(sql`${value}::text`);
  }
}

/** One JSON object per row, keyed `id` then each column's slug, with no spaces (as `JSON.stringify`). */
function jsonLine(object: ObjectSlug, attributes: readonly AttributeSpec[], style: SqlValueStyle): SQL {
  const parts: SQL[] = [
    sql`${text(`{${JSON.stringify('id')}:`)} || to_json(${objectTable(object).id}::text)::text`,
  ];
  for (const attribute of attributes) {
    parts.push(sql`${text(`,${JSON.stringify(attribute.slug)}:`)} || ${jsonCell(object, attribute, style)}`);
  }
  parts.push(text('}'));
  return sql.join(parts, sql` || `);
}

/**
 * The export's query (same joins, filter and order as `*.list` and the record path) selecting formatted
 * text: one column per export column for CSV, one JSON object per row for JSON. `after` continues after
 * a keyset position (PGlite reads in pages); `limit` bounds a page.
 */
export function buildFormattedSelect(
  db: Db,
  query: ResolvedQuery,
  attributes: readonly AttributeSpec[],
  format: SqlFormat,
  style: SqlValueStyle,
  page?: { where?: SQL; limit?: number },
) {
  const object = query.object;
  const selection: Record<string, SQL.Aliased> = {};
  if (format === 'json') selection.line = jsonLine(object, attributes, style).as('line');
  else
    attributes.forEach((attribute, index) => {
      selection[`c${index}`] = csvCell(object, attribute, style).as(`c${index}`);
    });
  const built = withRecordJoins(db.select(selection).from(objectTable(object)).$dynamic(), object, attributes)
    .where(page?.where ? sql`${query.where} and ${page.where}` : query.where)
    .orderBy(...query.orderKeys.map((key) => (key.direction === 'asc' ? asc(key.column) : desc(key.column))))
    .$dynamic();
  return page?.limit === undefined ? built : built.limit(page.limit);
}
