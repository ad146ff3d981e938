import { z } from 'zod';
import { objectSlugs } from './catalog';
import { datePresets } from './date-presets';
import { FilterInput, RecordId, SortInput } from './records';
import { text } from './text';

/** A view's relative date range: stored as the preset, resolved each time the view is used. */
export const ViewDateRange = z.strictObject({
  attribute: text().min(1).max(200),
  preset: z.enum(datePresets),
});
export type ViewDateRange = z.infer<typeof ViewDateRange>;

export const SavedView = z.object({
  id: z.string(),
  object: z.enum(objectSlugs),
  name: z.string(),
  filter: FilterInput,
  sort: SortInput,
  columns: z.array(z.string()),
  dateRange: ViewDateRange.nullable(),
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
  dateRange: ViewDateRange.nullable().default(null),
  shared: z.boolean().default(false),
});
export type CreateViewInput = z.input<typeof CreateViewInput>;
export const UpdateViewInput = z.strictObject({
  id: RecordId,
  name: text().trim().min(1).max(120).optional(),
  filter: FilterInput.optional(),
  sort: SortInput.optional(),
  columns: z.array(text().max(200)).max(50).optional(),
  dateRange: ViewDateRange.nullable().optional(),
  shared: z.boolean().optional(),
});
export const DeleteViewInput = z.strictObject({ id: RecordId });
