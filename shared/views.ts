import { z } from 'zod';
import { objectSlugs } from './catalog';
import { FilterInput, RecordId, SortInput } from './records';
import { text } from './text';

export const SavedView = z.object({
  id: z.string(),
  object: z.enum(objectSlugs),
  name: z.string(),
  filter: FilterInput,
  sort: SortInput,
  columns: z.array(z.string()),
  shared: z.boolean(),
  ownerId: z.string(),
  ownerName: z.string(),
  /** Whether the caller may update or delete it (its owner, or an admin). */
  editable: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedView = z.infer<typeof SavedView>;

export const ListViewsInput = z.strictObject({ object: z.enum(objectSlugs).optional() });
export const GetViewInput = z.strictObject({ id: RecordId });
export const CreateViewInput = z.strictObject({
  object: z.enum(objectSlugs),
  name: text().trim().min(1).max(120),
  filter: FilterInput.default({}),
  sort: SortInput.default([]),
  columns: z.array(text().max(200)).max(50).default([]),
  shared: z.boolean().default(false),
});
export type CreateViewInput = z.input<typeof CreateViewInput>;
export const UpdateViewInput = z.strictObject({
  id: RecordId,
  name: text().trim().min(1).max(120).optional(),
  filter: FilterInput.optional(),
  sort: SortInput.optional(),
  columns: z.array(text().max(200)).max(50).optional(),
  shared: z.boolean().optional(),
});
export const DeleteViewInput = z.strictObject({ id: RecordId });
