import type { ObjectSlug } from '../../../shared/catalog';
import { type FilterNode, matchAll, validateFilter } from '../../../shared/filters';
import { ApiError } from '../../errors/api-error';

/** A filter from a request (or a stored view) as a validated tree; anything wrong is INVALID_FILTER. */
export function parseFilter(object: ObjectSlug, input: unknown, field = 'filter'): FilterNode {
  if (input === undefined) return matchAll;
  const result = validateFilter(object, input, field);
  if (result.ok) return result.filter;
  const { problem } = result;
  const where = problem.path ? ` at ${problem.path}` : '';
  throw new ApiError('INVALID_FILTER', `Filter is invalid${where}: ${problem.reason}`, { ...problem });
}
