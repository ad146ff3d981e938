import { z } from 'zod';
import { ExportSummary } from '../../shared/exports';
import { NoInput } from '../../shared/no-input';
import {
  CreateScheduleInput,
  ExportSchedule,
  ListSchedulesOutput,
  ScheduleIdInput,
  UpdateScheduleInput,
} from '../../shared/schedules';
import { guardedProcedure, router } from '../trpc';
import { runScheduleNow } from './schedule-runs';
import * as service from './schedule-service';
import { schedulerDepsFor } from './scheduler-deps';

/** Creating and managing schedules starts exports: the member role and, for API keys, exports:write. */
export const scheduleWriteAccess = { role: 'member', scope: 'exports:write' } as const;
/** Reading them: exports:read; members see their own schedules, admins the workspace's. */
export const scheduleReadAccess = { role: 'viewer', scope: 'exports:read' } as const;

const writeProcedure = guardedProcedure(scheduleWriteAccess);
const readProcedure = guardedProcedure(scheduleReadAccess);

/** Scheduled exports: a saved startExport request run daily, weekly, monthly or on a cron expression. */
export const exportSchedulesRouter = router({
  create: writeProcedure
    .input(CreateScheduleInput)
    .output(ExportSchedule)
    .mutation(({ ctx, input }) => service.createSchedule(ctx.services, ctx.identity, input)),
  list: readProcedure
    .input(NoInput)
    .output(ListSchedulesOutput)
    .query(({ ctx }) => service.listSchedules(ctx.services, ctx.identity)),
  get: readProcedure
    .input(ScheduleIdInput)
    .output(ExportSchedule)
    .query(({ ctx, input }) => service.getSchedule(ctx.services, ctx.identity, input.id)),
  update: writeProcedure
    .input(UpdateScheduleInput)
    .output(ExportSchedule)
    .mutation(({ ctx, input }) => service.updateSchedule(ctx.services, ctx.identity, input)),
  pause: writeProcedure
    .input(ScheduleIdInput)
    .output(ExportSchedule)
    .mutation(({ ctx, input }) => service.pauseSchedule(ctx.services, ctx.identity, input.id)),
  resume: writeProcedure
    .input(ScheduleIdInput)
    .output(ExportSchedule)
    .mutation(({ ctx, input }) => service.resumeSchedule(ctx.services, ctx.identity, input.id)),
  delete: writeProcedure
    .input(ScheduleIdInput)
    .output(z.object({ id: z.string(), deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => service.deleteSchedule(ctx.services, ctx.identity, input.id)),
  runNow: writeProcedure
    .input(ScheduleIdInput)
    .output(ExportSummary)
    .mutation(({ ctx, input }) => runScheduleNow(schedulerDepsFor(ctx.services), ctx.identity, input.id)),
});
