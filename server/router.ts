import { apiKeysRouter } from './auth/api-keys-router';
import { authRouter } from './auth/auth-router';
import {
  cancelExport,
  downloadExport,
  exportSettings,
  exportStatus,
  listExports,
  startExport,
} from './exports/export-procedures';
import { assertableRecordsRouter, recordsRouter } from './records/records-router';
import { exportSchedulesRouter } from './schedules/schedules-router';
import { router } from './trpc';
import { viewsRouter } from './views/views-router';

export const appRouter = router({
  auth: authRouter,
  apiKeys: apiKeysRouter,
  people: assertableRecordsRouter('people'),
  companies: assertableRecordsRouter('companies'),
  conversations: recordsRouter('conversations'),
  activities: recordsRouter('activities'),
  views: viewsRouter,
  startExport,
  exportStatus,
  downloadExport,
  cancelExport,
  listExports,
  exportSettings,
  exportSchedules: exportSchedulesRouter,
});

export type AppRouter = typeof appRouter;
