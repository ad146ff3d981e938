import { getTableName, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { activities, companies, conversations, people, users } from '../../drizzle/schema';
import type { AttributeSlug, ObjectSlug, ReferenceTarget } from '../../shared/catalog';

/**
 * Where each catalog attribute lives in the database. The `satisfies` clauses make a catalog
 * attribute without a column (or a column without an attribute) a compile error.
 */
export const objectTables = { people, companies, conversations, activities } as const;

export const attributeColumns = {
  people: {
    first_name: people.firstName,
    last_name: people.lastName,
    email: people.email,
    phone: people.phone,
    job_title: people.jobTitle,
    company: people.companyId,
    status: people.status,
    platform: people.platform,
    tags: people.tags,
    created_at: people.createdAt,
    updated_at: people.updatedAt,
  } satisfies Record<AttributeSlug<'people'>, PgColumn>,
  companies: {
    name: companies.name,
    domain: companies.domain,
    industry: companies.industry,
    employee_count: companies.employeeCount,
    founded_on: companies.foundedOn,
    status: companies.status,
    tags: companies.tags,
    created_at: companies.createdAt,
    updated_at: companies.updatedAt,
  } satisfies Record<AttributeSlug<'companies'>, PgColumn>,
  conversations: {
    subject: conversations.subject,
    person: conversations.personId,
    company: conversations.companyId,
    platform: conversations.platform,
    status: conversations.status,
    tags: conversations.tags,
    message_count: conversations.messageCount,
    last_message_at: conversations.lastMessageAt,
    created_at: conversations.createdAt,
  } satisfies Record<AttributeSlug<'conversations'>, PgColumn>,
  activities: {
    type: activities.type,
    subject: activities.subject,
    body: activities.body,
    person: activities.personId,
    company: activities.companyId,
    conversation: activities.conversationId,
    actor: activities.actorId,
    occurred_at: activities.occurredAt,
    created_at: activities.createdAt,
  } satisfies Record<AttributeSlug<'activities'>, PgColumn>,
} as const;

export function objectTable(object: ObjectSlug): (typeof objectTables)[ObjectSlug] {
  return objectTables[object];
}

export function attributeColumn(object: ObjectSlug, slug: string): PgColumn | undefined {
  const columns: Record<string, PgColumn> = attributeColumns[object];
  return Object.hasOwn(columns, slug) ? columns[slug] : undefined;
}

/** The table and columns of what a reference points at (for display names and reference paths). */
export const referenceTargets = {
  people: { table: people, id: people.id, workspaceId: people.workspaceId },
  companies: { table: companies, id: companies.id, workspaceId: companies.workspaceId },
  conversations: { table: conversations, id: conversations.id, workspaceId: conversations.workspaceId },
  activities: { table: activities, id: activities.id, workspaceId: activities.workspaceId },
  users: { table: users, id: users.id, workspaceId: users.workspaceId },
} satisfies Record<ReferenceTarget, { table: PgTable; id: PgColumn; workspaceId: PgColumn }>;

export function referenceTargetColumn(target: ReferenceTarget, slug: string): PgColumn | undefined {
  if (target === 'users') return slug === 'name' ? users.name : slug === 'email' ? users.email : undefined;
  return attributeColumn(target, slug);
}

/**
 * How a record of each kind is named where another record links to it. The link is followed only inside
 * the referencing row's workspace, so even a bad write could never show another workspace's names.
 */
export function displayNameOf(
  target: ReferenceTarget,
  referencingId: PgColumn,
  referencingWorkspaceId: PgColumn,
): SQL<string | null> {
  const id = qualified(referencingId);
  const workspaceId = qualified(referencingWorkspaceId);
  switch (target) {
    case 'people':
      return sql<
        string | null
      >`(select coalesce(nullif(trim(concat_ws(' ', p.first_name, p.last_name)), ''), p.email) from people p where p.id = ${id} and p.workspace_id = ${workspaceId})`;
    case 'companies':
      return sql<
        string | null
      >`(select c.name from companies c where c.id = ${id} and c.workspace_id = ${workspaceId})`;
    case 'conversations':
      return sql<
        string | null
      >`(select v.subject from conversations v where v.id = ${id} and v.workspace_id = ${workspaceId})`;
    case 'activities':
      return sql<
        string | null
      >`(select a.subject from activities a where a.id = ${id} and a.workspace_id = ${workspaceId})`;
    case 'users':
      return sql<
        string | null
      >`(select u.name from users u where u.id = ${id} and u.workspace_id = ${workspaceId})`;
  }
}

/**
 * `"people"."workspace_id"`. Drizzle prints a select list's columns bare, and inside the subqueries above
 * a bare `"workspace_id"` names the subquery's own table: the workspace check would compare a row with
 * itself.
 */
function qualified(column: PgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}
