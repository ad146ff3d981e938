import { CreateScheduleInput, ScheduleIdInput, UpdateScheduleInput } from '../../shared/schedules';
import { type AccessGuard, assertAllowed, authenticateCall } from '../access';
import type { Identity } from '../auth/identity';
import { type ApiRequest, type ApiRoute, sendJson } from '../http';
import { readJsonBody } from '../http-body';
import { authenticated, errorResponses, type JsonObject, ref } from '../openapi/openapi-parts';
import { runScheduleNow } from './schedule-runs';
import * as service from './schedule-service';
import { schedulerDepsFor } from './scheduler-deps';
import { scheduleReadAccess, scheduleWriteAccess } from './schedules-router';

/**
 * REST routes for scheduled exports, beside those for exports (server/rest/): the same domain functions
 * as the tRPC procedures (schedules-router.ts), with the same guards and rate limits. Updates are a POST
 * of the changed fields (as Stripe's API does), since the HTTP edge takes GET and POST only.
 *
 *   POST /api/v1/export-schedules              exportSchedules.create's input   → 201, Location
 *   GET  /api/v1/export-schedules              exportSchedules.list
 *   GET  /api/v1/export-schedules/{id}         exportSchedules.get
 *   POST /api/v1/export-schedules/{id}         exportSchedules.update (the fields to change)
 *   POST /api/v1/export-schedules/{id}/pause · /resume · /run · /delete
 */

const idSegment = '([^/]+)';
const base = '/v1/export-schedules';

async function callerFor(request: ApiRequest, kind: 'read' | 'write', guard: AccessGuard): Promise<Identity> {
  const identity = await authenticateCall(request.services, await request.identity(), kind);
  assertAllowed(identity, guard);
  return identity;
}

const idOf = (request: ApiRequest) => ScheduleIdInput.parse({ id: request.params[0] }).id;

async function bodyOf(request: ApiRequest): Promise<unknown> {
  return (await readJsonBody(request.raw, { maxBytes: request.services.env.MAX_BODY_BYTES })) ?? {};
}

function action(
  name: 'pause' | 'resume' | 'run' | 'delete',
  handle: (request: ApiRequest, identity: Identity, id: string) => Promise<unknown>,
): ApiRoute {
  return {
    method: 'POST',
    path: new RegExp(`^${base}/${idSegment}/${name}$`),
    async handle(request, response) {
      const identity = await callerFor(request, 'write', scheduleWriteAccess);
      sendJson(response, 200, await handle(request, identity, idOf(request)));
    },
  };
}

export const scheduleRestRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: new RegExp(`^${base}$`),
    async handle(request, response) {
      const identity = await callerFor(request, 'write', scheduleWriteAccess);
      const input = CreateScheduleInput.parse(await bodyOf(request));
      const created = await service.createSchedule(request.services, identity, input);
      response.setHeader('Location', `/api${base}/${created.id}`);
      sendJson(response, 201, created);
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^${base}$`),
    async handle(request, response) {
      const identity = await callerFor(request, 'read', scheduleReadAccess);
      sendJson(response, 200, await service.listSchedules(request.services, identity));
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^${base}/${idSegment}$`),
    async handle(request, response) {
      const identity = await callerFor(request, 'read', scheduleReadAccess);
      sendJson(response, 200, await service.getSchedule(request.services, identity, idOf(request)));
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^${base}/${idSegment}$`),
    async handle(request, response) {
      const identity = await callerFor(request, 'write', scheduleWriteAccess);
      const body = await bodyOf(request);
      const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
      const input = UpdateScheduleInput.parse({ ...fields, id: idOf(request) });
      sendJson(response, 200, await service.updateSchedule(request.services, identity, input));
    },
  },
  action('pause', (request, identity, id) => service.pauseSchedule(request.services, identity, id)),
  action('resume', (request, identity, id) => service.resumeSchedule(request.services, identity, id)),
  action('run', (request, identity, id) => runScheduleNow(schedulerDepsFor(request.services), identity, id)),
  action('delete', (request, identity, id) => service.deleteSchedule(request.services, identity, id)),
];

const json = (schema: JsonObject) => ({ 'application/json': { schema } });
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: "The schedule's id (a UUID).",
  schema: { type: 'string', format: 'uuid' },
};

/** The OpenAPI description of these routes; bodies are the components of the tRPC procedures' schemas. */
export function scheduleRestPaths(): Record<string, JsonObject> {
  const tags = ['REST: export schedules'];
  const schedule = (description: string) => ({ description, content: json(ref('ExportSchedule')) });
  const errors = errorResponses('StructuredError');
  const write = 'Needs the member role and, with an API key, `exports:write`.';
  const post = (operationId: string, summary: string, description: string, answer: JsonObject) => ({
    post: {
      operationId,
      tags,
      summary,
      description: `${description} ${write}`,
      security: authenticated,
      parameters: [idParameter],
      responses: { '200': answer, ...errors },
    },
  });
  return {
    '/api/v1/export-schedules': {
      post: {
        operationId: 'createExportSchedule',
        tags,
        summary: 'Schedule an export',
        description: `A saved startExport request with its rule (daily, weekly, monthly at a local time, or cron, in an IANA zone), \`mode\` (\`all\`, or \`changes\`: only records created or updated since the last successful run) and \`notify\`. The request is validated like startExport's. Same as \`exportSchedules.create\`. ${write}`,
        security: authenticated,
        requestBody: { required: true, content: json(ref('CreateScheduleInput')) },
        responses: {
          '201': {
            ...schedule('The schedule, with `nextRunAt`.'),
            headers: { Location: { description: 'The URL of the schedule.', schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
      get: {
        operationId: 'listExportSchedules',
        tags,
        summary: 'List scheduled exports',
        description:
          "The caller's schedules (an admin's: the workspace's), newest first. Needs `exports:read`.",
        security: authenticated,
        responses: {
          '200': { description: 'The schedules.', content: json(ref('ListSchedulesOutput')) },
          ...errors,
        },
      },
    },
    '/api/v1/export-schedules/{id}': {
      get: {
        operationId: 'getExportSchedule',
        tags,
        summary: 'A scheduled export',
        description: 'With its next run, its last run and the run in progress. Needs `exports:read`.',
        security: authenticated,
        parameters: [idParameter],
        responses: { '200': schedule('The schedule.'), ...errors },
      },
      post: {
        operationId: 'updateExportSchedule',
        tags,
        summary: 'Change a scheduled export',
        description: `The fields of \`exportSchedules.update\` to change, without \`id\`. ${write}`,
        security: authenticated,
        parameters: [idParameter],
        requestBody: { required: true, content: json({ type: 'object' }) },
        responses: { '200': schedule('The schedule, changed.'), ...errors },
      },
    },
    '/api/v1/export-schedules/{id}/pause': post(
      'pauseExportSchedule',
      'Pause a scheduled export',
      'It runs no more until resumed; a run under way finishes.',
      schedule('The schedule, paused.'),
    ),
    '/api/v1/export-schedules/{id}/resume': post(
      'resumeExportSchedule',
      'Resume a scheduled export',
      'It runs again from its next time; runs missed while paused are not caught up.',
      schedule('The schedule, active.'),
    ),
    '/api/v1/export-schedules/{id}/run': post(
      'runExportScheduleNow',
      'Run a scheduled export now',
      'Starts one run (an ordinary export carrying `scheduleId`); `409 SCHEDULE_RUN_IN_PROGRESS` while another run is under way.',
      { description: 'The export the run started.', content: json(ref('ExportSummary')) },
    ),
    '/api/v1/export-schedules/{id}/delete': post(
      'deleteExportSchedule',
      'Delete a scheduled export',
      'Its past runs stay in the history.',
      {
        description: 'Deleted.',
        content: json({
          type: 'object',
          properties: { id: { type: 'string' }, deleted: { const: true } },
          required: ['id', 'deleted'],
        }),
      },
    ),
  };
}
