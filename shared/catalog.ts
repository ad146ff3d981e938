/**
 * The attribute catalog: for each CRM object, its attributes and how they behave.
 * One source of truth for filter validation, SQL compilation (server/records maps each slug to a
 * column), the UI's filter controls and table columns, export columns and headers, and the docs.
 */

export const objectSlugs = ['people', 'companies', 'conversations', 'activities'] as const;
export type ObjectSlug = (typeof objectSlugs)[number];

export const attributeTypes = [
  'text',
  'email',
  'phone',
  'number',
  'select',
  'multiselect',
  'date',
  'timestamp',
  'reference',
] as const;
export type AttributeType = (typeof attributeTypes)[number];

/** What a reference attribute points at: a CRM object, or a workspace member (an activity's actor). */
export type ReferenceTarget = ObjectSlug | 'users';

export interface AttributeSpec {
  slug: string;
  label: string;
  type: AttributeType;
  options?: readonly string[];
  reference?: ReferenceTarget;
  filterable: boolean;
  sortable: boolean;
  exportable: boolean;
  /** Offered in text search on the record pages. */
  searchable?: boolean;
}

export interface ObjectSpec {
  slug: ObjectSlug;
  singular: string;
  plural: string;
  attributes: readonly AttributeSpec[];
  defaultColumns: readonly string[];
  defaultSort: { attribute: string; direction: 'asc' | 'desc' };
  /** The attribute that the date range of the UI and of exports applies to by default. */
  dateAttribute: string;
}

const timestamps = (filterable = true) =>
  [
    {
      slug: 'created_at',
      label: 'Created at',
      type: 'timestamp',
      filterable,
      sortable: true,
      exportable: true,
    },
  ] as const;

export const peopleStatuses = ['lead', 'active', 'customer', 'churned'] as const;
export const peoplePlatforms = ['email', 'linkedin', 'twitter', 'whatsapp', 'website', 'referral'] as const;
export const companyStatuses = ['prospect', 'active', 'customer', 'churned'] as const;
export const conversationPlatforms = ['email', 'linkedin', 'whatsapp', 'slack', 'sms', 'phone'] as const;
export const conversationStatuses = ['open', 'pending', 'closed'] as const;
export const activityTypes = ['note', 'email', 'call', 'meeting', 'status_change', 'task'] as const;

export const catalog = {
  people: {
    slug: 'people',
    singular: 'Person',
    plural: 'People',
    attributes: [
      {
        slug: 'first_name',
        label: 'First name',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      {
        slug: 'last_name',
        label: 'Last name',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      {
        slug: 'email',
        label: 'Email',
        type: 'email',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      { slug: 'phone', label: 'Phone', type: 'phone', filterable: true, sortable: false, exportable: true },
      {
        slug: 'job_title',
        label: 'Job title',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'company',
        label: 'Company',
        type: 'reference',
        reference: 'companies',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'status',
        label: 'Status',
        type: 'select',
        options: peopleStatuses,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'platform',
        label: 'Platform',
        type: 'select',
        options: peoplePlatforms,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'tags',
        label: 'Tags',
        type: 'multiselect',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      ...timestamps(),
      {
        slug: 'updated_at',
        label: 'Updated at',
        type: 'timestamp',
        filterable: true,
        sortable: true,
        exportable: true,
      },
    ],
    defaultColumns: [
      'first_name',
      'last_name',
      'email',
      'phone',
      'company',
      'status',
      'platform',
      'tags',
      'created_at',
    ],
    defaultSort: { attribute: 'created_at', direction: 'desc' },
    dateAttribute: 'created_at',
  },
  companies: {
    slug: 'companies',
    singular: 'Company',
    plural: 'Companies',
    attributes: [
      {
        slug: 'name',
        label: 'Name',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      {
        slug: 'domain',
        label: 'Domain',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      {
        slug: 'industry',
        label: 'Industry',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'employee_count',
        label: 'Employees',
        type: 'number',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'founded_on',
        label: 'Founded on',
        type: 'date',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'status',
        label: 'Status',
        type: 'select',
        options: companyStatuses,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'tags',
        label: 'Tags',
        type: 'multiselect',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      ...timestamps(),
      {
        slug: 'updated_at',
        label: 'Updated at',
        type: 'timestamp',
        filterable: true,
        sortable: true,
        exportable: true,
      },
    ],
    defaultColumns: ['name', 'domain', 'industry', 'employee_count', 'status', 'tags', 'created_at'],
    defaultSort: { attribute: 'created_at', direction: 'desc' },
    dateAttribute: 'created_at',
  },
  conversations: {
    slug: 'conversations',
    singular: 'Conversation',
    plural: 'Conversations',
    attributes: [
      {
        slug: 'subject',
        label: 'Subject',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      {
        slug: 'person',
        label: 'Person',
        type: 'reference',
        reference: 'people',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'company',
        label: 'Company',
        type: 'reference',
        reference: 'companies',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'platform',
        label: 'Platform',
        type: 'select',
        options: conversationPlatforms,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'status',
        label: 'Status',
        type: 'select',
        options: conversationStatuses,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'tags',
        label: 'Tags',
        type: 'multiselect',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'message_count',
        label: 'Messages',
        type: 'number',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'last_message_at',
        label: 'Last message at',
        type: 'timestamp',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      ...timestamps(),
    ],
    defaultColumns: [
      'subject',
      'person',
      'company',
      'platform',
      'status',
      'tags',
      'message_count',
      'last_message_at',
    ],
    defaultSort: { attribute: 'last_message_at', direction: 'desc' },
    dateAttribute: 'last_message_at',
  },
  activities: {
    slug: 'activities',
    singular: 'Activity',
    plural: 'Activities',
    attributes: [
      {
        slug: 'type',
        label: 'Type',
        type: 'select',
        options: activityTypes,
        filterable: true,
        sortable: true,
        exportable: true,
      },
      {
        slug: 'subject',
        label: 'Subject',
        type: 'text',
        filterable: true,
        sortable: true,
        exportable: true,
        searchable: true,
      },
      { slug: 'body', label: 'Body', type: 'text', filterable: true, sortable: false, exportable: true },
      {
        slug: 'person',
        label: 'Person',
        type: 'reference',
        reference: 'people',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'company',
        label: 'Company',
        type: 'reference',
        reference: 'companies',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'conversation',
        label: 'Conversation',
        type: 'reference',
        reference: 'conversations',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'actor',
        label: 'Actor',
        type: 'reference',
        reference: 'users',
        filterable: true,
        sortable: false,
        exportable: true,
      },
      {
        slug: 'occurred_at',
        label: 'Occurred at',
        type: 'timestamp',
        filterable: true,
        sortable: true,
        exportable: true,
      },
      ...timestamps(),
    ],
    defaultColumns: ['occurred_at', 'type', 'subject', 'person', 'company', 'actor'],
    defaultSort: { attribute: 'occurred_at', direction: 'desc' },
    dateAttribute: 'occurred_at',
  },
} as const satisfies { [K in ObjectSlug]: ObjectSpec & { slug: K } };

/** Attribute slugs of one object, as a type: `AttributeSlug<'people'>` is `'first_name' | 'last_name' | …`. */
export type AttributeSlug<O extends ObjectSlug> = (typeof catalog)[O]['attributes'][number]['slug'];

/** A workspace member as a reference target: the attributes a reference path may reach. */
export const userReferenceAttributes: readonly AttributeSpec[] = [
  { slug: 'name', label: 'Name', type: 'text', filterable: true, sortable: false, exportable: true },
  { slug: 'email', label: 'Email', type: 'email', filterable: true, sortable: false, exportable: true },
];

export function objectSpec(object: ObjectSlug): ObjectSpec {
  return catalog[object];
}

export function findAttribute(object: ObjectSlug, slug: string): AttributeSpec | undefined {
  return objectSpec(object).attributes.find((attribute) => attribute.slug === slug);
}

export function referenceAttributes(target: ReferenceTarget): readonly AttributeSpec[] {
  return target === 'users' ? userReferenceAttributes : objectSpec(target).attributes;
}

export function exportableAttributes(object: ObjectSlug): readonly AttributeSpec[] {
  return objectSpec(object).attributes.filter((attribute) => attribute.exportable);
}

/**
 * How a select option reads where the app shows it ("status_change" → "Status change"). Files carry
 * these labels unless an export asks for raw values (`options.values: 'raw'`).
 */
export function optionLabel(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1).replace(/_/g, ' ');
}

/**
 * An attribute of a linked record reached through one reference attribute: `company.domain`,
 * `person.email`, `actor.name`, or `company.id` (the link itself, by id). Its `slug` is the path, so a
 * record carries the value under `record['company.domain']` and code that walks attributes by slug (the
 * select list, the record reader, the writers) takes it like any other.
 */
export interface PathAttributeSpec extends AttributeSpec {
  /** The reference attribute of the object the path goes through (`company`). */
  via: AttributeSpec & { reference: ReferenceTarget };
  /** The attribute reached on the linked record (`domain`), or `id`. */
  leaf: string;
}

const linkedIdAttribute: AttributeSpec = {
  slug: 'id',
  label: 'ID',
  type: 'text',
  filterable: false,
  sortable: false,
  exportable: true,
};

/**
 * The attributes of a linked record an export may carry through `via`: its id, then its exportable
 * attributes other than references (a path goes through one reference only, as in filters).
 */
export function linkedAttributes(via: AttributeSpec): PathAttributeSpec[] {
  const target = via.reference;
  if (via.type !== 'reference' || !target || !via.exportable) return [];
  const reference = { ...via, reference: target };
  const leaves = [
    linkedIdAttribute,
    ...referenceAttributes(target).filter(
      (attribute) => attribute.exportable && attribute.type !== 'reference',
    ),
  ];
  return leaves.map((leaf) => ({
    ...leaf,
    slug: `${via.slug}.${leaf.slug}`,
    label: `${via.label} › ${leaf.label}`,
    filterable: false,
    sortable: false,
    via: reference,
    leaf: leaf.slug,
  }));
}

export function isPathAttribute(attribute: AttributeSpec): attribute is PathAttributeSpec {
  return 'via' in attribute && typeof (attribute as PathAttributeSpec).via === 'object';
}

/** An export column by slug or path (`email`, `company.domain`); undefined when the catalog has none. */
export function findExportColumn(object: ObjectSlug, slug: string): AttributeSpec | undefined {
  const dot = slug.indexOf('.');
  if (dot < 0) {
    const attribute = findAttribute(object, slug);
    return attribute?.exportable ? attribute : undefined;
  }
  const via = findAttribute(object, slug.slice(0, dot));
  return via ? linkedAttributes(via).find((attribute) => attribute.slug === slug) : undefined;
}

/** Every column an export of `object` may have: its own exportable attributes, then each link's, grouped. */
export function exportColumnGroups(
  object: ObjectSlug,
): { via?: AttributeSpec; attributes: readonly AttributeSpec[] }[] {
  const own = exportableAttributes(object);
  return [
    { attributes: own },
    ...own
      .filter((attribute) => attribute.type === 'reference')
      .map((via) => ({ via, attributes: linkedAttributes(via) })),
  ];
}
