import { getTableName, type SQL, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
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

/** The alias a linked record is joined under: `link_company` (never a table's own name). */
export function linkAlias(via: string): string {
  return `link_${via}`;
}

/** A column of a joined linked record: `"link_company"."domain"`. */
export function linkedColumn(alias: string, column: PgColumn): SQL {
  return sql`${sql.identifier(alias)}.${sql.identifier(column.name)}`;
}

/**
 * The LEFT JOIN that reads the record a reference attribute links to (its name, or the attributes of an
 * export's path columns such as `company.domain`): one join per reference in the query, never a query
 * per row. The link is followed only inside the referencing row's workspace, so even a bad write could
 * never show another workspace's data.
 */
export function linkJoin(
  object: ObjectSlug,
  via: string,
  target: ReferenceTarget,
): { table: PgTable; on: SQL } {
  const referencing = attributeColumn(object, via);
  if (!referencing) throw new Error(`${object}.${via} has no column`);
  const { table, id, workspaceId } = referenceTargets[target];
  const name = linkAlias(via);
  return {
    table: alias(table, name),
    on: sql`${linkedColumn(name, id)} = ${qualified(referencing)} and ${linkedColumn(name, workspaceId)} = ${qualified(objectTable(object).workspaceId)}`,
  };
}

/** How a record of each kind is named where another record links to it, read from its join. */
export function displayNameOf(target: ReferenceTarget, alias: string): SQL<string | null> {
  const column = (of: PgColumn) => linkedColumn(alias, of);
  switch (target) {
    case 'people':
      return sql<
        string | null
      >`coalesce(nullif(trim(concat_ws(' ', ${column(people.firstName)}, ${column(people.lastName)})), ''), ${column(people.email)})`;
    case 'companies':
      return sql<string | null>`${column(companies.name)}`;
    case 'conversations':
      return sql<string | null>`${column(conversations.subject)}`;
    case 'activities':
      return sql<string | null>`${column(activities.subject)}`;
    case 'users':
      return sql<string | null>`${column(users.name)}`;
  }
}

/**
 * `"people"."workspace_id"`. Drizzle prints a single table's columns bare, and a bare `"workspace_id"`
 * beside joined tables that have one too would be ambiguous.
 */
export function qualified(column: PgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}
