/**
 * `Date#toISOString()`'s own form, `2026-06-01T10:00:00.000Z`, with every field in range. Re-parsing such
 * a text and printing it again gives the same text back, so the export's hot path can skip that round trip
 * (a million rows carry a million timestamps). Days 29–31 are left to the slow path: `new Date` rolls
 * `02-30` over to March, and telling which month has them is not worth the bytes here.
 */
const canonicalIso = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

export function isCanonicalIsoInstant(text: string): boolean {
  return canonicalIso.test(text);
}

/**
 * Postgres' text form of a `timestamptz` in a UTC session (`2026-06-01 10:00:00.123456+00`) as
 * `toISOString()` would print the instant (microseconds truncated to milliseconds, as `new Date` does);
 * undefined for any other form (another session zone, BC years, infinity), and for years before 1000,
 * which V8's parser of this form misreads (`0099` as 1999): those keep taking the `new Date` path, so
 * an export's output does not depend on which path a value took.
 */
const postgresUtcTimestamp = /^([1-9]\d{3}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

export function isoOfPostgresUtcTimestamp(text: string): string | undefined {
  const match = postgresUtcTimestamp.exec(text);
  if (!match) return undefined;
  const fraction = `${match[3] ?? ''}000`.slice(0, 3);
  return `${match[1]}T${match[2]}.${fraction}Z`;
}
