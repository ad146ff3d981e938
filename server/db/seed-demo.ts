import { eq } from 'drizzle-orm';
import {
  activities,
  companies,
  conversations,
  people,
  savedViews,
  users,
  workspaces,
} from '../../drizzle/schema';
import {
  activityTypes,
  companyStatuses,
  conversationPlatforms,
  conversationStatuses,
  peoplePlatforms,
  peopleStatuses,
} from '../../shared/catalog';
import { hashPassword } from '../auth/passwords';
import { type Database, yieldToEventLoop } from './database';

export const demoPassword = 'demo1234';

export const demoAccounts = [
  { workspace: 'acme', email: 'admin@acme.test', name: 'Ada Admin', role: 'admin' },
  { workspace: 'acme', email: 'member@acme.test', name: 'Max Member', role: 'member' },
  { workspace: 'acme', email: 'viewer@acme.test', name: 'Vera Viewer', role: 'viewer' },
  { workspace: 'globex', email: 'admin@globex.test', name: 'Gus Globex', role: 'admin' },
] as const;

const demoWorkspaces = [
  {
    slug: 'acme',
    name: 'Acme',
    scale: { companies: 200, people: 2500, conversations: 900, activities: 3000 },
  },
  {
    slug: 'globex',
    name: 'Globex',
    scale: { companies: 60, people: 600, conversations: 200, activities: 600 },
  },
] as const;

/** A small deterministic PRNG, so every seeded database holds the same demo data. */
export function randomGenerator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (probability: number) => next() < probability,
    some: <T>(items: readonly T[], max: number): T[] => {
      const count = Math.floor(next() * (max + 1));
      return [...new Set(Array.from({ length: count }, () => items[Math.floor(next() * items.length)] as T))];
    },
  };
}

const firstNames = [
  'Ada',
  'Ben',
  'Chloé',
  'Dário',
  'Émilie',
  'François',
  'Günther',
  'Hélène',
  'Ingrid',
  'José',
  'Kai',
  'Łukasz',
  'María',
  'Nuño',
  'Oğuz',
  'Priya',
  'Quentin',
  'Renée',
  'Søren',
  'Tomás',
  'Uxía',
  'Valentina',
  'Wojciech',
  'Xiomara',
  'Yūki',
  'Zoë',
  '太郎',
  '美咲',
  'Владимир',
  'Анна',
  'محمد',
  'فاطمة',
  'Δημήτρης',
  'Σοφία',
  'Jean-Luc',
  "D'Arcy",
  'Anne Marie',
  'Björk',
  'Siobhán',
  'Thành',
];
const lastNames = [
  'Smith',
  'García',
  'Müller',
  "O'Brien",
  'Nguyễn',
  'Kowalski',
  'Rossi',
  'Dubois',
  'Søndergaard',
  'Yılmaz',
  'Ivanova',
  'Papadopoulos',
  'Haddad',
  'Tanaka',
  '山田',
  'Петров',
  'Smith, Jr.',
  'van der Berg',
  'Núñez',
  'Öztürk',
  'Johansson',
  'Silva',
  'Kim',
  'Singh',
  'Martin',
  'Lefèvre',
];
const jobTitles = [
  'CEO',
  'CTO',
  'VP Sales',
  'Head of Marketing',
  'Account Executive',
  'Engineer',
  'Product Manager',
  'Designer',
  'Customer Success',
  'Founder & CEO',
  'Sales, EMEA',
  'Director "Special Projects"',
  'Ops\nLogistics',
  '-VP Growth',
  '@community',
  '=cmd|calc',
  '+Advisor',
  'Président-directeur général',
];
const industries = [
  'Software',
  'Fintech',
  'Healthcare',
  'Retail',
  'Manufacturing',
  'Education',
  'Media',
  'Logistics',
  'Energy',
  'Hospitality',
  'Biotech',
  'Legal',
];
const companyWords = [
  'Nordic',
  'Blue',
  'Quantum',
  'Atlas',
  'Café',
  'Zürich',
  'Sakura',
  'Andes',
  'Lumen',
  'Vertex',
  'Harbor',
  'Pixel',
  'Maple',
  'Orion',
  'Aurora',
  'Kilo',
  'Delta',
  'Echo',
  'Sierra',
  'Tango',
];
const companySuffixes = ['Labs', 'GmbH', 'Inc.', 'S.A.', 'Ltd', 'Partners', 'Systems', 'AG', 'Co.', 'Studio'];
const tagPool = [
  'vip',
  'beta',
  'newsletter',
  'enterprise',
  'smb',
  'partner',
  'event-2026',
  'churn-risk',
  'upsell',
  'champion',
  'decision-maker',
  'webinar',
  'trial',
  'renewal',
  'apac',
  'emea',
  'amer',
  'référence',
  'hot lead',
  'q4',
];

/** The pools both seeds draw from (the scale seed as SQL arrays). */
export const demoValues = { firstNames, lastNames, industries, tags: tagPool, jobTitles } as const;
const subjects = [
  'Pricing question',
  'Renewal for next year',
  'Demo follow-up',
  'Invoice #00123',
  'Re: "Proposal" v2',
  'Onboarding, week 1',
  'Integration issue\nwith webhooks',
  'Contract — signed',
  'Café meeting',
  '=SUM(A1:A9)',
  'Quick intro',
  'Feature request: exports',
  'Vertrag für 2027',
  '見積もりについて',
];
const bodies = [
  'Called, left a voicemail.',
  'Discussed pricing; they want a 3-year deal, "if possible".',
  'Line one\nLine two\nLine three',
  'Met at the conference, interested in the API.',
  '',
  'Sent the deck. Follow up next week.',
  '+1 from the CFO, waiting on legal',
  'Zoë said: "ça marche", let\'s go.',
];

function phoneNumber(random: ReturnType<typeof randomGenerator>): string | null {
  const shapes = [
    () => `0${random.int(10, 99)} ${random.int(1000, 9999)} ${random.int(1000, 9999)}`,
    () => `+44 20 ${random.int(1000, 9999)} ${random.int(1000, 9999)}`,
    () => `00${random.int(1, 99)}${random.int(1000000, 9999999)}`,
    () => `+1 (${random.int(200, 999)}) ${random.int(200, 999)}-${random.int(1000, 9999)}`,
    () => `007${random.int(100000, 999999)}`,
  ];
  return random.chance(0.15) ? null : random.pick(shapes)();
}

function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[^\w]+/g, '')
    .toLowerCase();
}

function daysAgo(days: number, random: ReturnType<typeof randomGenerator>): Date {
  return new Date(Date.UTC(2026, 10, 20) - days * 86_400_000 - random.int(0, 86_399) * 1000);
}

async function insertInBatches<Row>(rows: Row[], insert: (batch: Row[]) => Promise<unknown>, size = 500) {
  for (let index = 0; index < rows.length; index += size) {
    await insert(rows.slice(index, index + size));
    await yieldToEventLoop();
  }
}

/**
 * Creates the demo workspaces, accounts and a few thousand linked records, including the values that
 * break exports. Idempotent: a workspace that exists already is left as it is.
 */
export async function seedDemo(database: Database): Promise<{ created: string[] }> {
  const { db } = database;
  const created: string[] = [];
  const passwordHash = await hashPassword(demoPassword);
  for (const [workspaceIndex, spec] of demoWorkspaces.entries()) {
    const [existing] = await db
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(eq(workspaces.slug, spec.slug));
    if (existing) continue;
    const random = randomGenerator(1234 + workspaceIndex);
    const [workspace] = await db.insert(workspaces).values({ slug: spec.slug, name: spec.name }).returning();
    if (!workspace) throw new Error('workspace insert returned nothing');
    created.push(spec.slug);
    const members = await db
      .insert(users)
      .values(
        demoAccounts
          .filter((account) => account.workspace === spec.slug)
          .map((account) => ({
            workspaceId: workspace.id,
            email: account.email,
            name: account.name,
            role: account.role,
            passwordHash,
          })),
      )
      .returning({ id: users.id });

    const companyRows = Array.from({ length: spec.scale.companies }, (_, index) => {
      const name =
        index === 0
          ? '=HYPERLINK("http://evil.example","Click")'
          : index === 1
            ? 'Smith, Jones & "Partners"'
            : index === 2
              ? '株式会社サクラ'
              : `${random.pick(companyWords)} ${random.pick(companyWords)} ${random.pick(companySuffixes)}`;
      return {
        workspaceId: workspace.id,
        name,
        domain: `${slugify(name) || 'company'}${index}.example.com`,
        industry: random.chance(0.1) ? null : random.pick(industries),
        employeeCount: random.chance(0.1) ? null : random.int(1, 20_000),
        foundedOn: random.chance(0.2)
          ? null
          : `${random.int(1950, 2025)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
        status: random.pick(companyStatuses),
        tags: random.some(tagPool, 4),
        createdAt: daysAgo(random.int(0, 720), random),
      };
    });
    const companyIds: string[] = [];
    await insertInBatches(companyRows, async (batch) => {
      const inserted = await db.insert(companies).values(batch).returning({ id: companies.id });
      companyIds.push(...inserted.map((row) => row.id));
    });

    const personRows = Array.from({ length: spec.scale.people }, (_, index) => {
      const firstName = random.chance(0.03) ? null : random.pick(firstNames);
      const lastName = random.pick(lastNames);
      const createdAt = daysAgo(random.int(0, 540), random);
      return {
        workspaceId: workspace.id,
        firstName,
        lastName,
        // Names in non-Latin scripts have no ASCII slug; such people get a neutral local part.
        email: `${slugify(firstName ?? '') || 'contact'}.${slugify(lastName) || 'person'}.${index}@${random.pick(['mail.test', 'example.org', 'corp.example.com'])}`,
        phone: phoneNumber(random),
        jobTitle: random.chance(0.2) ? null : random.pick(jobTitles),
        companyId: random.chance(0.1) ? null : random.pick(companyIds),
        status: random.pick(peopleStatuses),
        platform: random.chance(0.05) ? null : random.pick(peoplePlatforms),
        tags: index % 97 === 0 ? tagPool.slice(0, 15) : random.some(tagPool, 4),
        createdAt,
        updatedAt: new Date(createdAt.getTime() + random.int(0, 30) * 86_400_000),
      };
    });
    const personIds: string[] = [];
    await insertInBatches(personRows, async (batch) => {
      const inserted = await db.insert(people).values(batch).returning({ id: people.id });
      personIds.push(...inserted.map((row) => row.id));
    });

    const conversationRows = Array.from({ length: spec.scale.conversations }, () => {
      const createdAt = daysAgo(random.int(0, 365), random);
      return {
        workspaceId: workspace.id,
        subject: random.pick(subjects),
        personId: random.pick(personIds),
        companyId: random.chance(0.3) ? null : random.pick(companyIds),
        platform: random.pick(conversationPlatforms),
        status: random.pick(conversationStatuses),
        tags: random.some(tagPool, 3),
        messageCount: random.int(1, 60),
        lastMessageAt: new Date(createdAt.getTime() + random.int(0, 20) * 86_400_000),
        createdAt,
      };
    });
    const conversationIds: string[] = [];
    await insertInBatches(conversationRows, async (batch) => {
      const inserted = await db.insert(conversations).values(batch).returning({ id: conversations.id });
      conversationIds.push(...inserted.map((row) => row.id));
    });

    const activityRows = Array.from({ length: spec.scale.activities }, () => {
      const type = random.pick(activityTypes);
      return {
        workspaceId: workspace.id,
        type,
        subject: random.chance(0.1) ? null : random.pick(subjects),
        body: random.pick(bodies),
        personId: random.chance(0.2) ? null : random.pick(personIds),
        companyId: random.chance(0.5) ? null : random.pick(companyIds),
        conversationId: type === 'email' && conversationIds.length ? random.pick(conversationIds) : null,
        actorId: random.pick(members).id,
        occurredAt: daysAgo(random.int(0, 365), random),
      };
    });
    await insertInBatches(activityRows, (batch) => db.insert(activities).values(batch));

    const owner = members[0];
    if (owner) {
      await db.insert(savedViews).values([
        {
          workspaceId: workspace.id,
          ownerId: owner.id,
          object: 'people',
          name: 'VIP customers',
          filter: { status: 'customer', tags: 'vip' },
          sort: [{ attribute: 'last_name', direction: 'asc' }],
          columns: ['first_name', 'last_name', 'email', 'company', 'tags'],
          shared: true,
        },
        {
          workspaceId: workspace.id,
          ownerId: owner.id,
          object: 'conversations',
          name: 'Open on WhatsApp',
          filter: { status: 'open', platform: 'whatsapp' },
          sort: [{ attribute: 'last_message_at', direction: 'desc' }],
          columns: [],
          shared: true,
        },
      ]);
    }
  }
  return { created };
}
