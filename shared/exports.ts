import { z } from 'zod';
import { objectSlugs } from './catalog';
import { datePresets } from './date-presets';
import { FilterInput, RecordId, SortInput } from './records';
import { text } from './text';

export const exportFormats = ['csv', 'xlsx', 'json', 'pdf'] as const;
export type ExportFormat = (typeof exportFormats)[number];
export const exportStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired'] as const;
export type ExportStatus = (typeof exportStatuses)[number];
export const terminalExportStatuses: readonly ExportStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
];

export const formatLabels: Record<ExportFormat, string> = {
  csv: 'CSV',
  xlsx: 'Excel (XLSX)',
  json: 'JSON',
  pdf: 'PDF',
};

/** The most rows one export may name by id (`ids`: rows selected on a record page). */
export const maxSelectedIds = 10_000;

const isoDateOrTimestamp = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 date or timestamp');

export const DateRangeInput = z
  .strictObject({
    attribute: text().min(1).max(200),
    from: isoDateOrTimestamp.optional(),
    to: isoDateOrTimestamp.optional(),
    /** A relative range, kept as such and resolved when the export runs, in its time zone. */
    preset: z.enum(datePresets).optional(),
  })
  .refine((range) => !range.from || !range.to || Date.parse(range.from) <= Date.parse(range.to), {
    message: '`from` must not be after `to`',
    path: ['to'],
  })
  .refine((range) => !range.preset || (!range.from && !range.to), {
    message: 'a `preset` range takes no `from` or `to`',
    path: ['preset'],
  });
export type DateRangeInput = z.infer<typeof DateRangeInput>;

export const ExportOptions = z.strictObject({
  includeBom: z.boolean().default(true),
  delimiter: z.enum([',', ';', '\t', '|']).default(','),
  /** IANA time zone for timestamps in the file. */
  timezone: z
    .string()
    .default('UTC')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as UTC or Europe/Paris'),
  jsonLines: z.boolean().default(false),
  /** Select options as the app shows them ("Lead"), or as stored ("lead") for programs. */
  values: z.enum(['labels', 'raw']).default('labels'),
  /**
   * Timestamps in CSV and JSON: ISO-8601 with the zone's offset (`2026-11-19T23:19:07.000+01:00`), or the
   * form spreadsheets read as a date (`2026-11-19 23:19:07`, wall clock of `timezone`). XLSX cells are
   * dates either way.
   */
  dateFormat: z.enum(['iso', 'spreadsheet']).default('iso'),
});
export type ExportOptions = z.infer<typeof ExportOptions>;

export const StartExportInput = z.strictObject({
  object: z.enum(objectSlugs),
  format: z.enum(exportFormats),
  viewId: RecordId.optional(),
  filter: FilterInput.optional(),
  dateRange: DateRangeInput.optional(),
  columns: z.array(text().max(200)).min(1).max(60).optional(),
  /** Only these records (rows selected on a record page), AND-ed with the rest; in `sort`'s order. */
  ids: z.array(RecordId).min(1).max(maxSelectedIds).optional(),
  sort: SortInput.optional(),
  options: ExportOptions.partial().optional(),
  notify: z
    .strictObject({ email: z.boolean().optional(), webhookUrl: text().url().max(2000).optional() })
    .optional(),
  idempotencyKey: text().min(1).max(200).optional(),
});
export type StartExportInput = z.input<typeof StartExportInput>;

export const ExportSummary = z.object({
  id: z.string(),
  object: z.enum(objectSlugs),
  format: z.enum(exportFormats),
  status: z.enum(exportStatuses),
  processedRows: z.number().int(),
  totalRows: z.number().int().nullable(),
  percent: z.number().min(0).max(100),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  etaSeconds: z.number().nullable(),
  fileName: z.string().nullable(),
  fileSize: z.number().int().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  requestedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  /** The request as started, for the history's filter summary and "run again". */
  request: StartExportInput,
  error: z
    .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
    .nullable(),
  /** The request id of the startExport call (its X-Request-Id): what to quote when reporting a failure. */
  requestId: z.string().nullable(),
  /** Where a queued export stands in the line of every queued export (1 starts next); null unless queued. */
  queuePosition: z.number().int().positive().nullable(),
  /**
   * Queued, and no export worker is alive anywhere (none has heartbeaten for 15 s): it starts once one is
   * back (`npm start` or `npm run worker`). Always false unless queued.
   */
  waitingForWorker: z.boolean(),
  /** The schedule this export is a run of (exportSchedules); null for a one-off export. */
  scheduleId: z.string().nullable(),
});
export type ExportSummary = z.infer<typeof ExportSummary>;

export const ExportIdInput = z.strictObject({ exportId: RecordId });
export const ListExportsInput = z.strictObject({
  cursor: text().max(500).optional(),
  limit: z.number().int().min(1).max(100).default(20),
  /** Narrow the history (the Exports page's filters); all optional and AND-ed. */
  object: z.enum(objectSlugs).optional(),
  format: z.enum(exportFormats).optional(),
  status: z.enum(exportStatuses).optional(),
  /** Part of the requester's name or email, case-insensitive. */
  requestedBy: text().trim().min(1).max(200).optional(),
});
export const ListExportsOutput = z.object({
  exports: z.array(ExportSummary),
  nextCursor: z.string().nullable(),
});
export const DownloadExportOutput = z.object({
  url: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  expiresAt: z.string(),
});

/** The server's export limits, so the dialog states them as configured rather than as assumed. */
export const ExportSettings = z.object({
  pdfRowCap: z.number().int(),
  fileLifetimeSeconds: z.number().int(),
  downloadLinkSeconds: z.number().int(),
});
export type ExportSettings = z.infer<typeof ExportSettings>;
