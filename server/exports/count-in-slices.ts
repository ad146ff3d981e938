import { sql } from 'drizzle-orm';
import { type Database, yieldToEventLoop } from '../db/database';
import { buildPageEnd, buildRecordSelect, type CursorValues, cursorValuesOf } from '../records/record-query';
import type { ResolvedQuery } from './export-plan';

/** How big a slice `countInSlices` counts in one query, and how long one may hold the thread. */
export interface CountSlices {
  firstRows: number;
  minRows: number;
  maxRows: number;
  /** A slice that took under half of this doubles the next; one over it halves the next. */
  targetMs: number;
}

/**
 * Measured counting 200k people on PGlite (`npm run bench:responsiveness -- --only pglite`): 20,000-row
 * slices took 36–67 ms each once the table was in PGlite's buffers, but the first one, on cold buffers,
 * 155–210 ms, the longest stall of the web in the whole export. Sized by time, the first slice is small
 * and the next ones grow while they stay quick.
 */
export const countSlices: CountSlices = { firstRows: 2_500, minRows: 1_000, maxRows: 40_000, targetMs: 50 };

/** The next slice's rows, from how long the last one of `rows` took. */
export function nextSliceRows(rows: number, elapsedMs: number, limits: CountSlices): number {
  if (elapsedMs < limits.targetMs / 2) return Math.min(limits.maxRows, rows * 2);
  if (elapsedMs > limits.targetMs) return Math.max(limits.minRows, Math.floor(rows / 2));
  return rows;
}

/**
 * The rows of the query on PGlite, counted a slice of the sort index at a time with a turn for the web
 * between slices: one `count(*)` of 200k people held the web's thread for up to ~390 ms. Each slice finds
 * where the next one starts (as a page does, from the ids alone); the last slice is counted.
 */
export async function countInSlices(
  database: Database,
  query: ResolvedQuery,
  limits: CountSlices = countSlices,
  now: () => number = () => performance.now(),
): Promise<number> {
  let counted = 0;
  let after: CursorValues | undefined;
  let rows = limits.firstRows;
  for (;;) {
    const started = now();
    const [end] = await database.rows<Record<string, unknown>>(
      buildPageEnd(database.db, query, { after, limit: rows }).getSQL(),
    );
    const elapsed = now() - started;
    await yieldToEventLoop();
    if (!end) break;
    counted += rows;
    after = cursorValuesOf(query, end);
    rows = nextSliceRows(rows, elapsed, limits);
  }
  const rest = buildRecordSelect(database.db, query, { attributes: [], after, sortValues: false });
  const [row] = await database.rows<{ total: number | string }>(
    sql`select count(*) as total from (${rest.getSQL()}) slice`,
  );
  return counted + Number(row?.total ?? 0);
}
