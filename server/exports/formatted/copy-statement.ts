import type { SqlFormat } from './formatted-select';

/** A statement as drizzle's `.toSQL()` gives it: text with `$n` placeholders, and their values. */
export interface BoundStatement {
  sql: string;
  params: readonly unknown[];
}

/**
 * A value as an SQL literal. `COPY (query)` takes no bind parameters, so the export's query goes with its
 * values inlined. With standard_conforming_strings on (the reader sets it; the default since 9.1), a
 * backslash is an ordinary character inside '…' and a quote is doubled: nothing a value holds can end
 * the literal. The literal is untyped, as a parameter is, so Postgres resolves it the same way.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return sqlLiteral(value.toISOString());
  if (Array.isArray(value)) {
    // An array parameter (drizzle passes `inArray` lists one by one, but a raw `sql` may bind one).
    return `array[${value.map(sqlLiteral).join(', ')}]`;
  }
  const text = typeof value === 'string' ? value : String(value);
  if (text.includes('\0')) throw new Error('an SQL value cannot contain a NUL character');
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The statement with each `$n` placeholder replaced by its value as a literal. Quoted text ('…' literals,
 * "…" identifiers such as the alias "company.domain") is copied as it is, so a `$1` inside one stays.
 */
export function inlineParameters(statement: BoundStatement): string {
  return statement.sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g, (match, position?: string) => {
    if (position === undefined) return match;
    const index = Number(position) - 1;
    if (index < 0 || index >= statement.params.length) throw new Error(`no value for $${position}`);
    return sqlLiteral(statement.params[index]);
  });
}

/**
 * The COPY options of each format. CSV is COPY's own (quoting by RFC 4180 rules, NULL as nothing). JSON
 * rows are one text value each, which must come out untouched: a JSON text holds no raw control character
 * (they are escaped), so with the two ASCII separator characters as delimiter and quote nothing in it is
 * ever quoted or escaped.
 */
export function copyOptions(format: SqlFormat, delimiter: string): string {
  return format === 'csv'
    ? `format csv, delimiter ${sqlLiteral(delimiter)}`
    : `format csv, delimiter e'\\x1f', quote e'\\x1e'`;
}

/** `COPY (query) TO target WITH (…)`: target is `stdout` on Postgres, `'/dev/blob'` on PGlite. */
export function copyStatement(
  statement: BoundStatement,
  format: SqlFormat,
  delimiter: string,
  target: 'stdout' | "'/dev/blob'",
): string {
  return `copy (${inlineParameters(statement)}) to ${target} with (${copyOptions(format, delimiter)})`;
}
