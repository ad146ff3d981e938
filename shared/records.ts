import { z } from 'zod';
import { objectSlugs } from './catalog';

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
export const GetRecordInput = z.object({ id: RecordId });
