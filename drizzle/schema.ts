import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const workspaceRef = () =>
  uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' });

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'member', 'viewer'] }).notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email), index('users_workspace_idx').on(t.workspaceId)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sessions_token_hash_unique').on(t.tokenHash)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_unique').on(t.keyHash),
    index('api_keys_workspace_idx').on(t.workspaceId),
  ],
);

export const companies = pgTable(
  'companies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    name: text('name').notNull(),
    domain: text('domain'),
    industry: text('industry'),
    employeeCount: integer('employee_count'),
    foundedOn: date('founded_on', { mode: 'string' }),
    status: text('status', { enum: ['prospect', 'active', 'customer', 'churned'] })
      .notNull()
      .default('prospect'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('companies_workspace_domain_unique').on(t.workspaceId, t.domain),
    index('companies_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    index('companies_workspace_status_idx').on(t.workspaceId, t.status),
    index('companies_workspace_industry_idx').on(t.workspaceId, t.industry),
    index('companies_tags_gin').using('gin', t.tags),
  ],
);

export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    phone: text('phone'),
    jobTitle: text('job_title'),
    companyId: uuid('company_id').references(() => companies.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['lead', 'active', 'customer', 'churned'] })
      .notNull()
      .default('lead'),
    platform: text('platform', { enum: ['email', 'linkedin', 'twitter', 'whatsapp', 'website', 'referral'] }),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('people_workspace_email_unique').on(t.workspaceId, t.email),
    index('people_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    index('people_workspace_status_created_idx').on(t.workspaceId, t.status, t.createdAt),
    index('people_workspace_platform_idx').on(t.workspaceId, t.platform),
    index('people_company_idx').on(t.companyId),
    index('people_tags_gin').using('gin', t.tags),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    subject: text('subject').notNull(),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'set null' }),
    companyId: uuid('company_id').references(() => companies.id, { onDelete: 'set null' }),
    platform: text('platform', {
      enum: ['email', 'linkedin', 'whatsapp', 'slack', 'sms', 'phone'],
    }).notNull(),
    status: text('status', { enum: ['open', 'pending', 'closed'] })
      .notNull()
      .default('open'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    messageCount: integer('message_count').notNull().default(0),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('conversations_workspace_last_message_idx').on(t.workspaceId, t.lastMessageAt, t.id),
    index('conversations_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    index('conversations_workspace_status_idx').on(t.workspaceId, t.status),
    index('conversations_workspace_platform_idx').on(t.workspaceId, t.platform),
    index('conversations_person_idx').on(t.personId),
    index('conversations_company_idx').on(t.companyId),
    index('conversations_tags_gin').using('gin', t.tags),
  ],
);

export const activities = pgTable(
  'activities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    type: text('type', { enum: ['note', 'email', 'call', 'meeting', 'status_change', 'task'] }).notNull(),
    subject: text('subject'),
    body: text('body'),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'set null' }),
    companyId: uuid('company_id').references(() => companies.id, { onDelete: 'set null' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    index('activities_workspace_occurred_idx').on(t.workspaceId, t.occurredAt, t.id),
    index('activities_workspace_type_idx').on(t.workspaceId, t.type),
    index('activities_person_idx').on(t.personId),
    index('activities_company_idx').on(t.companyId),
    index('activities_conversation_idx').on(t.conversationId),
  ],
);

export const savedViews = pgTable(
  'saved_views',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    object: text('object', { enum: ['people', 'companies', 'conversations', 'activities'] }).notNull(),
    name: text('name').notNull(),
    filter: jsonb('filter').$type<Record<string, unknown>>().notNull().default({}),
    sort: jsonb('sort').$type<{ attribute: string; direction: 'asc' | 'desc' }[]>().notNull().default([]),
    columns: jsonb('columns').$type<string[]>().notNull().default([]),
    /** A relative date range ("last 7 days"), kept as such and resolved whenever the view is used. */
    dateRange: jsonb('date_range').$type<{ attribute: string; preset: string }>(),
    shared: boolean('shared').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('saved_views_workspace_object_idx').on(t.workspaceId, t.object)],
);

export const exports = pgTable(
  'exports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    object: text('object', { enum: ['people', 'companies', 'conversations', 'activities'] }).notNull(),
    format: text('format', { enum: ['csv', 'xlsx', 'json', 'pdf'] }).notNull(),
    status: text('status', { enum: ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired'] })
      .notNull()
      .default('queued'),
    /** The validated startExport input, kept whole so "run again" and the worker see the same request. */
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key'),
    totalRows: bigint('total_rows', { mode: 'number' }),
    processedRows: bigint('processed_rows', { mode: 'number' }).notNull().default(0),
    fileName: text('file_name'),
    storageKey: text('storage_key'),
    contentType: text('content_type'),
    fileSize: bigint('file_size', { mode: 'number' }),
    sha256: text('sha256'),
    error: jsonb('error').$type<Record<string, unknown>>(),
    attempts: integer('attempts').notNull().default(0),
    /** The X-Request-Id of the startExport call, so a failed export can be traced to its log lines. */
    requestId: text('request_id'),
    /** The schedule this export is a run of (null for one-off exports). */
    scheduleId: uuid('schedule_id').references((): AnyPgColumn => exportSchedules.id, {
      onDelete: 'set null',
    }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('exports_user_idempotency_unique').on(t.userId, t.idempotencyKey),
    index('exports_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    index('exports_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('exports_status_idx').on(t.status, t.expiresAt),
    index('exports_schedule_created_idx').on(t.scheduleId, t.createdAt),
  ],
);

/**
 * Scheduled exports (server/schedules/): a saved startExport request, its rule, and the state of its
 * runs. The `run_*` columns describe the run in progress: claimed by exactly one process (a row lock
 * and a compare on next_run_at), its export, its attempt and the window of changes it covers.
 */
export const exportSchedules = pgTable(
  'export_schedules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    /** Null once the owner left the workspace: the schedule then stays paused, saying so. */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    rule: jsonb('rule').$type<Record<string, unknown>>().notNull(),
    mode: text('mode', { enum: ['all', 'changes'] }).notNull(),
    changesSince: timestamp('changes_since', { withTimezone: true, mode: 'date' }),
    notify: jsonb('notify').$type<Record<string, unknown>>().notNull(),
    /** The users (workspace members) who are emailed each completed run and may see its export. */
    recipientIds: uuid('recipient_ids').array().notNull().default(sql`'{}'::uuid[]`),
    status: text('status', { enum: ['active', 'paused'] })
      .notNull()
      .default('active'),
    pausedReason: jsonb('paused_reason').$type<{ code: string; message: string; at: string }>(),
    nextRunAt: timestamp('next_run_at', { withTimezone: true, mode: 'date' }),
    /** Mode 'changes': the next run exports what changed from here on (the end of the last successful window). */
    watermark: timestamp('watermark', { withTimezone: true, mode: 'date' }),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    runSlot: timestamp('run_slot', { withTimezone: true, mode: 'date' }),
    runAttempt: integer('run_attempt').notNull().default(0),
    runExportId: uuid('run_export_id'),
    runClaimedAt: timestamp('run_claimed_at', { withTimezone: true, mode: 'date' }),
    runWindow: jsonb('run_window').$type<{ since: string | null; until: string }>(),
    retryAt: timestamp('retry_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('export_schedules_workspace_created_idx').on(t.workspaceId, t.createdAt),
    index('export_schedules_due_idx').on(t.status, t.nextRunAt),
  ],
);

/**
 * Export worker processes (and threads) that are alive: each heartbeats its row every few seconds and deletes
 * it when it stops (server/exports/worker-heartbeat.ts), so a queued export can say nobody will take it.
 */
export const exportWorkers = pgTable('export_workers', {
  id: uuid('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  slots: integer('slots').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const schema = {
  workspaces,
  users,
  sessions,
  apiKeys,
  companies,
  people,
  conversations,
  activities,
  savedViews,
  exports,
  exportSchedules,
  exportWorkers,
};
