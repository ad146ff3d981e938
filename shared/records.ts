import { z } from 'zod';
import { objectSlugs } from './catalog';
import { jsonObject, text } from './text';

export const ObjectSlugSchema = z.enum(objectSlugs);

export const ReferenceValue = z.object({ id: z.string(), name: z.string().nullable() });
export type ReferenceValue = z.infer<typeof ReferenceValue>;

/** One attribute's value on the wire: dates and timestamps are ISO-8601 strings, references `{ id, name }`. */
export const RecordValue = z.union([z.string(), z.number(), z.array(z.string()), ReferenceValue, z.null()]);
export type RecordValue = z.infer<typeof RecordValue>;

/** A record keyed by attribute slug, plus its `id`. */
export const CrmRecord = z.object({ id: z.string() }).catchall(RecordValue);
export type CrmRecord = z.infer<typeof CrmRecord>;

export const RecordId = z.string().uuid('must be a record id (UUID)');
export const GetRecordInput = z.strictObject({ id: RecordId });

/**
 * A filter as it travels: any JSON object. Its meaning is checked against the attribute catalog by the
 * filter validator (shared/filters.ts), so a filter that is well-formed JSON but wrong for the object is
 * INVALID_FILTER with a path to the offending part, not a generic VALIDATION_ERROR.
 */
export const FilterInput = jsonObject();
export type FilterInput = z.infer<typeof FilterInput>;

export const SortDirection = z.enum(['asc', 'desc']);
export const SortInput = z
  .array(z.strictObject({ attribute: text().min(1).max(200), direction: SortDirection.default('asc') }))
  .max(5);
export type SortInput = z.infer<typeof SortInput>;

export const maxPageSize = 500;

export const ListRecordsInput = z.strictObject({
  filter: FilterInput.optional(),
  viewId: RecordId.optional(),
  sort: SortInput.optional(),
  cursor: text().max(2000).optional(),
  limit: z.number().int().min(1).max(maxPageSize).default(50),
});
export type ListRecordsInput = z.input<typeof ListRecordsInput>;

export const ListRecordsOutput = z.object({
  records: z.array(CrmRecord),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});
export type ListRecordsOutput = z.infer<typeof ListRecordsOutput>;

export const CountRecordsInput = z.strictObject({
  filter: FilterInput.optional(),
  viewId: RecordId.optional(),
});
export const CountRecordsOutput = z.object({ total: z.number().int() });

/** Attio's "assert a record": create when none matches, update when exactly one does. */
export const AssertRecordInput = z.strictObject({
  matching_attribute: text().min(1).max(200),
  values: jsonObject(),
});
export const AssertRecordOutput = z.object({ record: CrmRecord, created: z.boolean() });
