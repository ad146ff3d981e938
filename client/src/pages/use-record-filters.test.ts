import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decomposeFilter } from '../components/filter-bar/filter-state';
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
