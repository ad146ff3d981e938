import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ExportForm, exportColumnChoices, startInput } from './export-form';

const form = (overrides: Partial<ExportForm> = {}): ExportForm => ({
  scope: 'current',
  viewId: null,
  format: 'csv',
  columns: exportColumnChoices('people', ['email', 'company.domain']),
  dateAttribute: 'created_at',
  dateFrom: '',
  dateTo: '',
  datePreset: '',
  includeBom: true,
  values: 'labels',
  timezone: 'Europe/Paris',
  emailMe: false,
  ...overrides,
});
const page = { filter: { status: 'lead' }, sort: { attribute: 'email', direction: 'asc' as const } };

describe('the export dialog’s request', () => {
  test('selected rows go by id in the page’s sort; "all matching" is the page’s filter', () => {
    const ids = ['0b9e7c1e-6f4a-4d8e-9a51-3f1c2d7e8a90'];
    const selected = startInput('people', form({ scope: 'selected' }), {
      ...page,
      selection: { ids, count: 1 },
    });
    assert.deepEqual(selected.ids, ids);
    assert.equal(selected.filter, undefined);
    assert.deepEqual(selected.sort, [page.sort]);
    const all = startInput('people', form({ scope: 'selected' }), {
      ...page,
      selection: { ids: null, count: 900 },
    });
    assert.equal(all.ids, undefined);
    assert.deepEqual(all.filter, page.filter);
  });

  test('a relative period is sent as its preset; Excel-friendly CSV asks for spreadsheet dates', () => {
    const request = startInput('people', form({ datePreset: 'last_7_days' }), page);
    assert.deepEqual(request.dateRange, { attribute: 'created_at', preset: 'last_7_days' });
    assert.deepEqual(request.options, {
      includeBom: true,
      dateFormat: 'spreadsheet',
      values: 'labels',
      timezone: 'Europe/Paris',
    });
    assert.deepEqual(request.columns, ['email', 'company.domain']);
    const plain = startInput('people', form({ includeBom: false, values: 'raw', format: 'csv' }), page);
    assert.equal(plain.options?.dateFormat, 'iso');
    assert.equal(plain.options?.values, 'raw');
  });

  test('linked records’ columns are offered after the object’s own, grouped by relation', () => {
    const choices = exportColumnChoices('people', ['email']);
    assert.deepEqual(choices[0], { slug: 'email', label: 'Email', checked: true });
    const domain = choices.find((choice) => choice.slug === 'company.domain');
    assert.deepEqual(domain, {
      slug: 'company.domain',
      label: 'Company › Domain',
      checked: false,
      group: 'Company',
    });
    const firstLinked = choices.findIndex((choice) => choice.group);
    assert.ok(choices.slice(firstLinked).every((choice) => choice.group === 'Company'));
  });
});
