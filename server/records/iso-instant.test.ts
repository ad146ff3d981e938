import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCanonicalIsoInstant, isoOfPostgresUtcTimestamp } from './iso-instant';

test('canonical ISO instants are exactly the texts that survive a Date round trip unchanged', () => {
  for (const text of ['2026-06-01T10:00:00.000Z', '1999-12-28T23:59:59.999Z', '0001-01-01T00:00:00.000Z'])
    assert.equal(isCanonicalIsoInstant(text), true, text);
  for (const text of [
    '2026-06-01T10:00:00Z', // no milliseconds
    '2026-06-01T10:00:00.000+02:00',
    '2026-02-30T10:00:00.000Z', // rolls over to March in a Date: left to the slow path
    '2026-01-31T10:00:00.000Z', // days 29–31 always take the slow path
    '2026-01-01T24:00:00.000Z',
    '2026-13-01T10:00:00.000Z',
    '+012026-01-01T00:00:00.000Z',
  ])
    assert.equal(isCanonicalIsoInstant(text), false, text);
});

test("Postgres' UTC timestamp text becomes what new Date(text).toISOString() gives", () => {
  for (const text of [
    '2026-06-01 10:00:00+00',
    '2026-06-01 10:00:00.5+00',
    '2026-06-01 10:00:00.123456+00',
    '2026-06-01 10:00:00.999999+00',
    '1900-02-28 23:59:59.000001+00',
  ])
    assert.equal(isoOfPostgresUtcTimestamp(text), new Date(text).toISOString(), text);
  // Other session zones, BC, infinity and years V8 misreads stay on the `new Date` path.
  for (const text of [
    '2026-06-01 12:00:00+02',
    '0044-03-15 12:00:00+00 BC',
    'infinity',
    '0099-01-01 00:00:00+00',
  ])
    assert.equal(isoOfPostgresUtcTimestamp(text), undefined, text);
});
