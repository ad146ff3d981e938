/**
 * The OpenAPI 3.1 document of the API, generated from what serves it: every tRPC procedure of the app
 * router (its input and output zod schemas, through zod 4's JSON Schema output), the REST routes for
 * exports, the structured error of the catalog, auth and the rate-limit answer. Served at
 * /api/openapi.json; docs/openapi.json is the committed copy (`npm run docs:openapi`, a test fails when it
 * is stale).
 */
import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import * as authSchemas from '../../shared/auth';
import * as exportSchemas from '../../shared/exports';
import * as noInputSchemas from '../../shared/no-input';
import * as recordSchemas from '../../shared/records';
import * as scheduleSchemas from '../../shared/schedules';
import * as viewSchemas from '../../shared/views';
import { sessionCookieName } from '../auth/identity';
import { appRouter } from '../router';
import { scheduleRestPaths } from '../schedules/schedules-rest';
import { authedProcedure } from '../trpc';
import { authenticated, errorComponents, errorResponses, type JsonObject, ref } from './openapi-parts';
import { restPaths } from './rest-paths';

/** The shared modules' exported names, so a component is called what the code calls its schema. */
const schemaNames = new Map<z.ZodType, string>();
for (const module of [
  exportSchemas,
  recordSchemas,
  viewSchemas,
  authSchemas,
  noInputSchemas,
  scheduleSchemas,
] as Record<string, unknown>[])
  for (const [name, value] of Object.entries(module))
    if (value instanceof z.ZodType && !schemaNames.has(value)) schemaNames.set(value, name);

const pascal = (path: string) =>
  path
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: z.ZodType[];
  output?: z.ZodType;
  middlewares: unknown[];
}

function proceduresOf(): [string, ProcedureDef][] {
  const procedures = (appRouter._def as unknown as { procedures: Record<string, AnyProcedure> }).procedures;
  return Object.entries(procedures)
    .map(([path, procedure]): [string, ProcedureDef] => [path, procedure._def as unknown as ProcedureDef])
    .sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Procedures built on authedProcedure carry the middleware it adds (its last): they need a session or a key. The others
 * (auth.login, auth.logout) are public.
 */
const authMiddleware = (authedProcedure._def as unknown as ProcedureDef).middlewares.at(-1);
const isPublic = (procedure: ProcedureDef) => !procedure.middlewares.includes(authMiddleware);

/** JSON Schemas of the registered schemas, `$ref`s between them pointing into components. */
function componentsOf(entries: [z.ZodType, string][], io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of entries) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const components: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
    components[id] = rest;
  }
  return components;
}

export function buildOpenApiDocument(): JsonObject {
  const procedures = proceduresOf();
  const nameOf = (schema: z.ZodType, path: string, suffix: 'Input' | 'Output') =>
    schemaNames.get(schema) ?? `${pascal(path)}${suffix}`;

  // One component per distinct schema object, named after its export in shared/ when it has one.
  const inputs = new Map<z.ZodType, string>();
  const outputs = new Map<z.ZodType, string>();
  for (const [path, procedure] of procedures) {
    const input = procedure.inputs[0];
    if (input && !inputs.has(input)) inputs.set(input, nameOf(input, path, 'Input'));
    if (procedure.output && !outputs.has(procedure.output))
      outputs.set(procedure.output, nameOf(procedure.output, path, 'Output'));
  }
  // A schema that is both an input and an output differs by its defaults: the output copy is renamed.
  const inputNames = new Set(inputs.values());
  for (const [schema, name] of outputs) if (inputNames.has(name)) outputs.set(schema, `${name}Output`);

  const paths: Record<string, JsonObject> = {};
  for (const [path, procedure] of procedures) {
    if (procedure.type === 'subscription') continue;
    const input = procedure.inputs[0];
    const inputRef = input ? ref(inputs.get(input) as string) : undefined;
    const inputRequired = input ? !input.safeParse(undefined).success : false;
    const output = procedure.output ? ref(outputs.get(procedure.output) as string) : {};
    const [tag] = path.includes('.') ? path.split('.') : ['exports'];
    const operation: JsonObject = {
      operationId: `trpc.${path}`,
      tags: [`tRPC: ${tag}`],
      summary: `${procedure.type === 'query' ? 'Query' : 'Mutation'} ${path}`,
      security: isPublic(procedure) ? [] : authenticated,
      responses: {
        '200': {
          description: "The procedure's output, in tRPC's result envelope.",
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  result: { type: 'object', properties: { data: output }, required: ['data'] },
                },
                required: ['result'],
              },
            },
          },
        },
        ...errorResponses('TrpcError'),
      },
    };
    if (procedure.type === 'query') {
      operation.description =
        'A query is a GET; its input is JSON, URL-encoded in the `input` parameter: `GET /trpc/' +
        `${path}?input=%7B%7D\`.`;
      if (inputRef)
        operation.parameters = [
          {
            name: 'input',
            in: 'query',
            required: inputRequired,
            description: 'The input as JSON, URL-encoded.',
            content: { 'application/json': { schema: inputRef } },
          },
        ];
      paths[`/trpc/${path}`] = { get: operation };
    } else {
      operation.description = 'A mutation is a POST with its input as the JSON body.';
      if (inputRef)
        operation.requestBody = {
          required: inputRequired,
          content: { 'application/json': { schema: inputRef } },
        };
      paths[`/trpc/${path}`] = { post: operation };
    }
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'CRM export API',
      version: '1',
      description: [
        'Two shapes of one API. **tRPC** (`/trpc/{procedure}`): every procedure; a query is `GET` with its input as',
        'URL-encoded JSON in `?input=`, a mutation is `POST` with a JSON body; answers are `{"result":{"data":…}}`,',
        'errors `{"error":{"message","code","data":<StructuredError>}}`. **REST** (`/api/v1/exports`): the export',
        'job, with errors as the flat StructuredError body. Dates are ISO-8601 strings.',
        '',
        'Authenticate with an API key (`Authorization: Bearer crm_…`, scoped) or the session cookie that',
        '`auth.login` sets. Every authenticated call spends one point of its key or session: reads',
        '(queries, REST GETs) and writes (mutations, REST POSTs, the REST download) have separate per-second',
        'limits; over them the answer is `429 RATE_LIMIT_EXCEEDED` with `Retry-After`.',
      ].join('\n'),
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'REST: exports', description: 'Start, follow, list, cancel and download export jobs.' },
      {
        name: 'REST: export schedules',
        description: 'Exports that run daily, weekly, monthly or on a cron expression.',
      },
      { name: 'health', description: 'Liveness and database reachability.' },
    ],
    paths: { ...restPaths(), ...scheduleRestPaths(), ...paths },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`crm_…`), from `npm run api-key` or apiKeys.create; its scopes apply.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: sessionCookieName,
          description: 'The session cookie auth.login sets (the browser app).',
        },
      },
      schemas: {
        ...errorComponents,
        ...componentsOf([...inputs], 'input'),
        ...componentsOf([...outputs], 'output'),
      },
    },
  };
}

/** docs/openapi.json's text: the document, two-space indented, with a final newline. */
export function renderOpenApiJson(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
