import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveColumn } from '../components/export-dialog/ColumnPicker';
import { decomposeFilter, parseColumns, writeSearch } from '../components/filter-bar/filter-state';
import { isViewModified } from './use-record-filters';

const view = {
  filter: { type: 'call' },
  sort: [{ attribute: 'occurred_at', direction: 'desc' as const }],
};
const asSaved = {
  state: decomposeFilter('activities', view.filter),
  sort: { attribute: 'occurred_at', direction: 'desc' as const },
};

test('a view is modified once its filter or sort on screen differs from what it saved', () => {
  assert.equal(isViewModified('activities', view, asSaved), false);
  assert.equal(
    isViewModified('activities', view, { ...asSaved, state: decomposeFilter('activities', {}) }),
    true,
    'filter loosened on screen',
  );
  assert.equal(
    isViewModified('activities', view, {
      ...asSaved,
      state: decomposeFilter('activities', { type: 'meeting' }),
    }),
    true,
    'filter changed on screen',
  );
  assert.equal(
    isViewModified('activities', view, { ...asSaved, sort: { attribute: 'occurred_at', direction: 'asc' } }),
    true,
    'sort reversed on screen',
  );
  assert.equal(
    isViewModified('activities', { ...view, sort: [] }, asSaved),
    false,
    'no saved sort to differ from',
  );
});

test('columns chosen on screen make a view modified only when they differ from what it saved', () => {
  const people = {
    filter: {},
    sort: [{ attribute: 'created_at', direction: 'desc' as const }],
    columns: ['first_name', 'email'],
  };
  const onScreen = {
    state: decomposeFilter('people', {}),
    sort: { attribute: 'created_at', direction: 'desc' as const },
  };
  assert.equal(isViewModified('people', people, { ...onScreen, columns: null }), false);
  assert.equal(isViewModified('people', people, { ...onScreen, columns: ['first_name', 'email'] }), false);
  assert.equal(isViewModified('people', people, { ...onScreen, columns: ['email', 'first_name'] }), true);
  assert.equal(isViewModified('people', people, { ...onScreen, columns: ['first_name'] }), true);
});

test('the URL keeps chosen columns in order, drops unknown ones, and writes them back', () => {
  const search = new URLSearchParams('columns=email,nope,first_name,email');
  assert.deepEqual(parseColumns('people', search), ['email', 'first_name']);
  assert.equal(parseColumns('people', new URLSearchParams('columns=nope')), null);
  assert.equal(parseColumns('people', new URLSearchParams('')), null);
  const written = writeSearch('people', decomposeFilter('people', {}), { columns: ['email', 'first_name'] });
  assert.equal(written.get('columns'), 'email,first_name');
  assert.equal(writeSearch('people', decomposeFilter('people', {}), { columns: null }).has('columns'), false);
});

test('moving a column keeps every other column in its order', () => {
  assert.deepEqual(moveColumn(['a', 'b', 'c', 'd'], 2, 0), ['c', 'a', 'b', 'd']);
  assert.deepEqual(moveColumn(['a', 'b', 'c', 'd'], 0, 3), ['b', 'c', 'd', 'a']);
  assert.deepEqual(moveColumn(['a', 'b'], 0, -1), ['a', 'b']);
  assert.deepEqual(moveColumn(['a', 'b'], 1, 2), ['a', 'b']);
});
