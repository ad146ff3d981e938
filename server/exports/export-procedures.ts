import {
  DownloadExportOutput,
  ExportIdInput,
  ExportSettings,
  ExportSummary,
  ListExportsInput,
  ListExportsOutput,
  StartExportInput,
} from '../../shared/exports';
import { NoInput } from '../../shared/no-input';
import { ttlToMs } from '../env';
import { guardedProcedure } from '../trpc';
import { downloadTokenLifetimeMs } from './download-token';
import * as service from './export-service';

/** Starting and cancelling need the member role (viewers cannot export) and, for API keys, exports:write. */
const exporterProcedure = guardedProcedure({ role: 'member', scope: 'exports:write' });
/** Status, history and downloads: anyone in the workspace with exports:read; they only see their own. */
const exportReaderProcedure = guardedProcedure({ role: 'viewer', scope: 'exports:read' });

export const startExport = exporterProcedure
  .input(StartExportInput)
  .output(ExportSummary)
  .mutation(({ ctx, input }) =>
    service.startExport(ctx.services, ctx.identity, input, { requestId: ctx.requestId }),
  );

export const exportStatus = exportReaderProcedure
  .input(ExportIdInput)
  .output(ExportSummary)
  .query(({ ctx, input }) => service.exportStatus(ctx.services, ctx.identity, input.exportId));

export const cancelExport = exporterProcedure
  .input(ExportIdInput)
  .output(ExportSummary)
  .mutation(({ ctx, input }) => service.cancelExport(ctx.services, ctx.identity, input.exportId));

export const downloadExport = exportReaderProcedure
  .input(ExportIdInput)
  .output(DownloadExportOutput)
  .mutation(({ ctx, input }) =>
    service.downloadExport(ctx.services, ctx.identity, input.exportId, ctx.services.env.APP_URL),
  );

export const listExports = exportReaderProcedure
  .input(ListExportsInput)
  .output(ListExportsOutput)
  .query(({ ctx, input }) => service.listExports(ctx.services, ctx.identity, input));

export const exportSettings = exportReaderProcedure
  .input(NoInput)
  .output(ExportSettings)
  .query(({ ctx }) => ({
    pdfRowCap: ctx.services.env.EXPORT_PDF_ROW_CAP,
    fileLifetimeSeconds: Math.round(ttlToMs(ctx.services.env.EXPORT_TTL) / 1000),
    downloadLinkSeconds: Math.round(downloadTokenLifetimeMs / 1000),
  }));
