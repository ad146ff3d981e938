import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StartExportInput } from '../../shared/exports';
import { dateRangeFilter, startOfDayIn } from './export-plan';

const request = (input: Record<string, unknown>) =>
  StartExportInput.parse({ object: 'people', format: 'csv', ...input });

describe('the date range of an export', () => {
  test('days start at local midnight, across DST changes', () => {
    assert.equal(startOfDayIn('2026-06-30', 'UTC'), '2026-06-30T00:00:00.000Z');
    assert.equal(startOfDayIn('2026-06-30', 'Europe/Paris'), '2026-06-29T22:00:00.000Z');
    assert.equal(startOfDayIn('2026-01-15', 'Europe/Paris'), '2026-01-14T23:00:00.000Z');
    assert.equal(startOfDayIn('2026-03-29', 'Europe/Paris'), '2026-03-28T23:00:00.000Z'); // the day clocks go forward
    assert.equal(startOfDayIn('2026-11-24', 'America/New_York'), '2026-11-24T05:00:00.000Z');
    assert.equal(startOfDayIn('2026-11-24', 'Asia/Kolkata'), '2026-11-23T18:30:00.000Z');
  });

  test('on a timestamp, bare dates mean whole days in the export time zone, `to` included', () => {
    const filter = dateRangeFilter(
      'people',
      request({
        dateRange: { attribute: 'created_at', from: '2026-01-01', to: '2026-06-30' },
        options: { timezone: 'Europe/Paris' },
      }),
    );
    assert.deepEqual(filter, {
      created_at: { $gte: '2025-12-31T23:00:00.000Z', $lt: '2026-06-30T22:00:00.000Z' },
    });
  });

  test('full timestamps are taken as given; date attributes keep their dates', () => {
    assert.deepEqual(
      dateRangeFilter(
        'people',
        request({ dateRange: { attribute: 'created_at', to: '2026-06-30T12:00:00Z' } }),
      ),
      { created_at: { $lte: '2026-06-30T12:00:00Z' } },
    );
    assert.deepEqual(
      dateRangeFilter(
        'companies',
        request({
          object: 'companies',
          dateRange: { attribute: 'founded_on', from: '2000-01-01', to: '2009-12-31' },
        }),
      ),
      { founded_on: { $gte: '2000-01-01', $lte: '2009-12-31' } },
    );
  });

  test('a range on an attribute that is not a date is INVALID_FILTER pointing at dateRange.attribute', () => {
    assert.throws(
      () => dateRangeFilter('people', request({ dateRange: { attribute: 'status', from: '2026-01-01' } })),
      (error: unknown) =>
        (error as { code?: string; details?: { path?: string } }).code === 'INVALID_FILTER' &&
        (error as { details: { path: string } }).details.path === 'dateRange.attribute',
    );
  });
});
