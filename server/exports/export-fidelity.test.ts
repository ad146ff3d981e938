import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { workspaces } from '../../drizzle/schema';
import { findExportColumn } from '../../shared/catalog';
import type { ExportFormat, StartExportInput } from '../../shared/exports';
import type { CrmRecord } from '../../shared/records';
import { resolveRecordQuery } from '../records/record-query';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { exportSelect } from './record-source';
import { readCsv, readPdf, readXlsx } from './testing/read-export-file';

/**
 * Files compared cell by cell with what `*.list` returns for the same records: path columns through
 * linked records, labels and raw values, both date formats, in a zone other than UTC. The expected
 * cells are worked out here from the listed records, not with the writers' own helpers.
 */
const zone = 'America/New_York';
const labels: Record<string, string> = {
  lead: 'Lead',
  active: 'Active',
  customer: 'Customer',
  churned: 'Churned',
};
const wallClock = new Intl.DateTimeFormat('sv-SE', {
  timeZone: zone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
/** `2026-11-19 17:19:07` in New York. */
const spreadsheetTime = (iso: string) => wallClock.format(new Date(iso));
/** `2026-11-19T17:19:07.000-05:00`. */
function isoTime(iso: string): string {
  const local = spreadsheetTime(iso).replace(' ', 'T');
  const offset = Math.round((Date.parse(`${local}Z`) - Math.floor(Date.parse(iso) / 1000) * 1000) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  return `${local}.${iso.slice(20, 23)}${sign}${hours}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
}

/** The README's CSV rule: `=`, `@`, a tab or a line break first, or `+`/`-` before anything but a number. */
const safe = (text: string) => (/^[=@\t\r\n]|^[+-](?![0-9 ().,/+-]*$)/.test(text) ? `'${text}` : text);

const columns = [
  'first_name',
  'email',
  'phone',
  'status',
  'created_at',
  'company',
  'company.id',
  'company.domain',
  'company.industry',
  'company.founded_on',
];
const headers = [
  'First name',
  'Email',
  'Phone',
  'Status',
  'Created at',
  'Company',
  'Company › ID',
  'Company › Domain',
  'Company › Industry',
  'Company › Founded on',
];

describe('export fidelity: path columns, labels, date formats, selected rows, relative ranges', () => {
  let app: TestApp;
  let member: CrmClient;
  let people: CrmRecord[];
  const companies = new Map<string, CrmRecord>();

  async function listAll(object: 'people' | 'companies', filter?: Record<string, unknown>) {
    const records: CrmRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await member[object].list.query({
        limit: 500,
        ...(filter ? { filter } : {}),
        ...(cursor ? { cursor } : {}),
      });
      records.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return records;
  }

  async function exported(request: StartExportInput): Promise<Buffer> {
    const started = await member.startExport.mutate(request);
    const done = await waitForExport(member, started.id, ['completed', 'failed'], 180_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const link = await member.downloadExport.mutate({ exportId: started.id });
    return Buffer.from(await (await fetch(link.url)).arrayBuffer());
  }

  /** The linked company's attribute, as `companies.list` has it. */
  const companyOf = (person: CrmRecord) => {
    const link = person.company as { id: string } | null;
    return link ? companies.get(link.id) : undefined;
  };

  before(async () => {
    app = await startTestApp({
      exports: true,
      env: {
        EXPORT_PDF_ROW_CAP: '3000',
        RATE_LIMIT_READS_PER_SECOND: '100000',
        RATE_LIMIT_WRITES_PER_SECOND: '100000',
      },
    });
    member = await app.loginAs('member@acme.test');
    people = await listAll('people');
    for (const company of await listAll('companies')) companies.set(company.id, company);
    assert.equal(people.length, 2500);
  });
  after(() => app.close());

  const filter = { status: { $in: ['lead', 'customer'] } };
  const selected = () => people.filter((person) => ['lead', 'customer'].includes(String(person.status)));

  const cases: { format: ExportFormat; values: 'labels' | 'raw'; dateFormat: 'iso' | 'spreadsheet' }[] = [
    { format: 'csv', values: 'labels', dateFormat: 'spreadsheet' },
    { format: 'csv', values: 'raw', dateFormat: 'iso' },
    { format: 'json', values: 'raw', dateFormat: 'iso' },
    { format: 'json', values: 'labels', dateFormat: 'spreadsheet' },
    { format: 'xlsx', values: 'labels', dateFormat: 'iso' },
  ];
  for (const { format, values, dateFormat } of cases) {
    test(`${format}, ${values}, ${dateFormat}: every cell as *.list has it, linked companies' too`, async () => {
      const body = await exported({
        object: 'people',
        format,
        filter,
        columns,
        options: { timezone: zone, values, dateFormat },
      });
      const expected = selected();
      const status = (person: CrmRecord) =>
        values === 'raw' ? String(person.status) : (labels[String(person.status)] ?? '?');
      const time = (person: CrmRecord) =>
        dateFormat === 'iso'
          ? isoTime(String(person.created_at))
          : spreadsheetTime(String(person.created_at));
      if (format === 'csv') {
        const { rows } = readCsv(body);
        assert.deepEqual(rows[0], headers);
        assert.deepEqual(
          rows.slice(1),
          expected.map((person) => {
            const company = companyOf(person);
            return [
              String(person.first_name ?? ''),
              String(person.email ?? ''),
              String(person.phone ?? ''),
              status(person),
              time(person),
              company ? String(company.name) : '',
              company?.id ?? '',
              String(company?.domain ?? ''),
              String(company?.industry ?? ''),
              String(company?.founded_on ?? ''),
            ].map(safe);
          }),
        );
      } else if (format === 'json') {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>[];
        assert.deepEqual(
          parsed,
          expected.map((person) => {
            const company = companyOf(person);
            return {
              id: person.id,
              first_name: person.first_name,
              email: person.email,
              phone: person.phone,
              status: status(person),
              created_at: time(person),
              company: person.company,
              'company.id': company?.id ?? null,
              'company.domain': company?.domain ?? null,
              'company.industry': company?.industry ?? null,
              'company.founded_on': company?.founded_on ?? null,
            };
          }),
        );
      } else {
        const [sheet] = (await readXlsx(body)).sheets;
        assert.deepEqual(sheet?.rows[0], headers);
        assert.deepEqual(
          sheet?.rows.slice(1),
          expected.map((person) => {
            const company = companyOf(person);
            const text = (value: unknown) => (value == null || value === '' ? null : String(value));
            return [
              text(person.first_name),
              text(person.email),
              text(person.phone),
              status(person),
              new Date(`${spreadsheetTime(String(person.created_at)).replace(' ', 'T')}.000Z`),
              text(company?.name),
              text(company?.id),
              text(company?.domain),
              text(company?.industry),
              company?.founded_on ? new Date(`${String(company.founded_on)}T00:00:00.000Z`) : null,
            ];
          }),
        );
      }
    });
  }

  test('conversations with person.email, person.id and company.domain in CSV, as people.list and companies.list have them', async () => {
    const byId = new Map(people.map((person) => [person.id, person]));
    const conversations: CrmRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await member.conversations.list.query({
        limit: 500,
        filter: { status: 'open' },
        ...(cursor ? { cursor } : {}),
      });
      conversations.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.ok(conversations.length > 20);
    const body = await exported({
      object: 'conversations',
      format: 'csv',
      filter: { status: 'open' },
      columns: ['subject', 'person', 'person.email', 'person.id', 'company.domain', 'platform'],
      options: { values: 'raw' },
    });
    const { rows } = readCsv(body);
    assert.deepEqual(rows[0], [
      'Subject',
      'Person',
      'Person › Email',
      'Person › ID',
      'Company › Domain',
      'Platform',
    ]);
    assert.deepEqual(
      rows.slice(1),
      conversations.map((conversation) => {
        const link = conversation.person as { id: string; name: string | null } | null;
        const person = link ? byId.get(link.id) : undefined;
        const company = conversation.company as { id: string } | null;
        return [
          String(conversation.subject ?? ''),
          link?.name ?? '',
          String(person?.email ?? ''),
          person?.id ?? '',
          String((company && companies.get(company.id)?.domain) ?? ''),
          String(conversation.platform ?? ''),
        ].map(safe);
      }),
    );
  });

  test('PDF of all 2,500 people: every email, phone and short local timestamp is there whole', async () => {
    const body = await exported({
      object: 'people',
      format: 'pdf',
      columns: [
        'first_name',
        'last_name',
        'email',
        'phone',
        'created_at',
        'company.domain',
        'company.industry',
      ],
      options: { timezone: zone },
    });
    const { pages, texts } = readPdf(body);
    assert.ok(pages > 40, `${pages} pages`);
    const shown = new Set(texts);
    for (const person of people) {
      if (person.email) assert.ok(shown.has(String(person.email)), String(person.email));
      if (person.phone) assert.ok(shown.has(String(person.phone)), String(person.phone));
      const short = spreadsheetTime(String(person.created_at)).slice(0, 16);
      assert.ok(shown.has(short), short);
    }
    assert.ok(texts.includes(`Times in ${zone}`));
  });

  test('path columns are read through joins, never a query per row', async () => {
    const [acme] = await app.database.db.select().from(workspaces).where(eq(workspaces.slug, 'acme'));
    assert.ok(acme);
    const scope = { workspaceId: acme.id, userId: acme.id, role: 'admin' as const };
    for (const [object, paths] of [
      ['people', ['company', 'company.domain', 'company.industry', 'company.id']],
      ['conversations', ['person', 'person.email', 'company.domain']],
      ['activities', ['actor.name', 'actor.email', 'person.email', 'conversation.subject']],
    ] as const) {
      const query = await resolveRecordQuery(app.database.db, scope, object, {});
      const { sql, params } = exportSelect(
        app.database,
        query,
        paths.map((path) => {
          const attribute = findExportColumn(object, path);
          assert.ok(attribute, path);
          return attribute;
        }),
      ).toSQL();
      const plan = (await app.database.query<Record<string, string>>(`explain ${sql}`, params))
        .map((row) => Object.values(row)[0])
        .join('\n');
      assert.doesNotMatch(plan, /SubPlan|InitPlan/, plan);
      const joins = plan.match(/(Hash|Merge|Nested Loop) Left Join/g) ?? [];
      const relations = new Set(paths.map((path) => path.split('.')[0]));
      assert.equal(joins.length, relations.size, plan);
    }
  });

  test('a path that is not in the catalog is a VALIDATION_ERROR naming it', async () => {
    const error = await rejection(
      member.startExport.mutate({
        object: 'people',
        format: 'csv',
        columns: ['email', 'company.revenue', 'status.x'],
      }),
    );
    assert.equal(error.data?.code, 'VALIDATION_ERROR');
    const issues =
      (error.data?.details as { issues: { path: string; message: string }[] } | undefined)?.issues ?? [];
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['columns.1', 'columns.2'],
    );
    assert.match(issues[0]?.message ?? '', /company\.revenue/);
  });

  test('selected rows: exactly those, in the sort asked for; a relative range stays relative', async () => {
    const chosen = [people[7], people[3], people[1200], people[42]].map((person) => person?.id ?? '');
    const body = await exported({
      object: 'people',
      format: 'json',
      ids: chosen,
      sort: [{ attribute: 'email', direction: 'asc' }],
      columns: ['email'],
    });
    const rows = JSON.parse(body.toString('utf8')) as { id: string; email: string }[];
    const expected = people
      .filter((person) => chosen.includes(person.id))
      .sort((a, b) => (String(a.email) < String(b.email) ? -1 : 1));
    assert.deepEqual(
      rows.map((row) => row.id),
      expected.map((person) => person.id),
    );

    const started = await member.startExport.mutate({
      object: 'people',
      format: 'json',
      dateRange: { attribute: 'created_at', preset: 'last_30_days' },
      options: { timezone: zone },
      columns: ['created_at'],
    });
    const status = await member.exportStatus.query({ exportId: started.id });
    assert.deepEqual(
      status.request.dateRange,
      { attribute: 'created_at', preset: 'last_30_days' },
      'stored as asked',
    );
    await waitForExport(member, started.id, ['completed']);
    const link = await member.downloadExport.mutate({ exportId: started.id });
    const recent = JSON.parse(await (await fetch(link.url)).text()) as { created_at: string }[];
    const today = spreadsheetTime(new Date().toISOString()).slice(0, 10);
    const first = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const expectedCount = people.filter((person) => {
      const day = spreadsheetTime(String(person.created_at)).slice(0, 10);
      return day >= first && day <= today;
    }).length;
    assert.equal(recent.length, expectedCount);
    const refused = await rejection(
      member.startExport.mutate({
        object: 'people',
        format: 'csv',
        dateRange: { attribute: 'created_at', preset: 'last_7_days', from: '2026-01-01' },
      }),
    );
    assert.equal(refused.data?.code, 'VALIDATION_ERROR');
  });
});
