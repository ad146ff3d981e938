import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { exports as exportsTable, savedViews, users, workspaces } from '../../drizzle/schema';
import { type ObjectSlug, objectSpec } from '../../shared/catalog';
import type { ExportFormat, ExportSummary, StartExportInput } from '../../shared/exports';
import type { CrmRecord, FilterInput } from '../../shared/records';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';
import { waitForExport } from '../testing/wait-for-export';
import { signDownloadToken } from './download-token';
import { verifyWebhook } from './notify/webhook-signature';
import { readCsv, readPdf, readXlsx, type XlsxCell } from './testing/read-export-file';
import {
  displayText,
  type ExportColumn,
  isNumericColumn,
  jsonValue,
  neutraliseForCsv,
  wallClockDate,
} from './writers/cell-values';
import { pdfRenderable } from './writers/pdf-writer';

const webhookSecretValue = 'test-webhook-secret-0123456789';
const timezone = 'Europe/Paris';
/** The files' defaults: option labels, ISO timestamps (CSV, JSON), short local ones on paper (PDF). */
const style = { timezone, values: 'labels', timestamps: 'iso' } as const;
const pdfStyle = { ...style, timestamps: 'short' } as const;

interface Case {
  object: ObjectSlug;
  viewName: string;
  filter: FilterInput;
  dateRange: { attribute: string; from: string; to: string };
  columns?: string[];
}

/** View + filter + date range for each object; views are created in `before`. */
const cases: Case[] = [
  {
    object: 'people',
    viewName: 'Export test: people',
    filter: { email: { $contains: '.' } },
    dateRange: { attribute: 'created_at', from: '2026-03-01T00:00:00Z', to: '2026-10-31T23:59:59Z' },
  },
  {
    object: 'companies',
    viewName: 'Export test: companies',
    filter: { name: { $not_empty: true } },
    dateRange: { attribute: 'created_at', from: '2024-06-01T00:00:00Z', to: '2026-11-30T00:00:00Z' },
    columns: ['name', 'domain', 'employee_count', 'founded_on', 'status', 'tags', 'created_at'],
  },
  {
    object: 'conversations',
    viewName: 'Export test: conversations',
    filter: { message_count: { $gte: 2 } },
    dateRange: { attribute: 'last_message_at', from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' },
  },
  {
    object: 'activities',
    viewName: 'Export test: activities',
    filter: { type: { $in: ['note', 'email', 'call', 'meeting'] } },
    dateRange: { attribute: 'occurred_at', from: '2026-04-01T00:00:00Z', to: '2026-11-30T00:00:00Z' },
  },
];

const viewSpecs: Record<
  ObjectSlug,
  {
    filter: Record<string, unknown>;
    sort: { attribute: string; direction: 'asc' | 'desc' }[];
    columns: string[];
  }
> = {
  people: {
    filter: { status: { $in: ['lead', 'active', 'customer'] } },
    sort: [{ attribute: 'last_name', direction: 'asc' }],
    columns: ['first_name', 'last_name', 'email', 'phone', 'job_title', 'company', 'tags', 'created_at'],
  },
  companies: { filter: { status: { $in: ['prospect', 'active', 'customer'] } }, sort: [], columns: [] },
  conversations: {
    filter: { status: { $in: ['open', 'pending'] } },
    sort: [{ attribute: 'subject', direction: 'asc' }],
    columns: [],
  },
  activities: {
    filter: {},
    sort: [{ attribute: 'occurred_at', direction: 'desc' }],
    columns: ['occurred_at', 'type', 'subject', 'body', 'person', 'company', 'conversation', 'actor'],
  },
};

describe('exports end to end over HTTP', () => {
  let app: TestApp;
  let member: CrmClient;
  let admin: CrmClient;
  let viewer: CrmClient;
  let globex: CrmClient;
  const viewIds = new Map<ObjectSlug, string>();
  const mails: { to: string; raw: string }[] = [];
  const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let smtp: SMTPServer;
  let hookServer: http.Server;
  let hookUrl = '';

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((to) => to.address).join(','),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    let failOnce = true;
    hookServer = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        // The first delivery fails: pg-boss must retry it.
        if (failOnce) {
          failOnce = false;
          response.writeHead(503).end();
          return;
        }
        hooks.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/crm`;

    app = await startTestApp({
      exports: true,
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        WEBHOOK_SECRET: webhookSecretValue,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        EXPORT_BATCH_SIZE: '100',
        EXPORT_THROTTLE_MS: '15',
        EXPORT_PDF_ROW_CAP: '2000',
        RATE_LIMIT_READS_PER_SECOND: '1000',
        RATE_LIMIT_WRITES_PER_SECOND: '1000',
      },
    });
    member = await app.loginAs('member@acme.test');
    admin = await app.loginAs('admin@acme.test');
    viewer = await app.loginAs('viewer@acme.test');
    globex = await app.loginAs('admin@globex.test');
    const [acme] = await app.database.db.select().from(workspaces).where(eq(workspaces.slug, 'acme'));
    const [owner] = await app.database.db.select().from(users).where(eq(users.email, 'member@acme.test'));
    assert.ok(acme && owner);
    for (const spec of cases) {
      const view = viewSpecs[spec.object];
      const [row] = await app.database.db
        .insert(savedViews)
        .values({
          workspaceId: acme.id,
          ownerId: owner.id,
          object: spec.object,
          name: spec.viewName,
          shared: true,
          ...view,
        })
        .returning({ id: savedViews.id });
      assert.ok(row);
      viewIds.set(spec.object, row.id);
    }
  });

  after(async () => {
    await app?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    await new Promise<void>((resolve) => hookServer?.close(() => resolve()));
  });

  async function download(client: CrmClient, exportId: string) {
    const link = await client.downloadExport.mutate({ exportId });
    const response = await fetch(link.url);
    assert.equal(response.status, 200, await response.clone().text());
    const body = Buffer.from(await response.arrayBuffer());
    return { link, response, body };
  }

  /** What `*.list` returns for the same view, filter and date range, page after page. */
  async function listed(spec: Case): Promise<CrmRecord[]> {
    const range = { [spec.dateRange.attribute]: { $gte: spec.dateRange.from, $lte: spec.dateRange.to } };
    const records: CrmRecord[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await member[spec.object].list.query({
        viewId: viewIds.get(spec.object),
        filter: { $and: [spec.filter, range] },
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      records.push(...page.records);
      if (!page.nextCursor) return records;
      cursor = page.nextCursor;
    }
  }

  function columnsOf(spec: Case): ExportColumn[] {
    const slugs =
      spec.columns ??
      (viewSpecs[spec.object].columns.length
        ? viewSpecs[spec.object].columns
        : objectSpec(spec.object).defaultColumns);
    return slugs.map((slug) => {
      const attribute = objectSpec(spec.object).attributes.find((candidate) => candidate.slug === slug);
      assert.ok(attribute, slug);
      return { slug, label: attribute.label, type: attribute.type };
    });
  }

  function expectedXlsxCell(column: ExportColumn, record: CrmRecord): XlsxCell {
    const value = record[column.slug];
    if (value == null) return null;
    if (column.type === 'number') return value as number;
    if (column.type === 'timestamp') return wallClockDate(value as string, timezone);
    if (column.type === 'date') return new Date(`${value as string}T00:00:00.000Z`);
    const text = displayText(column, value, style);
    return text === '' ? null : text;
  }

  function assertPdfHolds(texts: string[], columns: ExportColumn[], records: CrmRecord[]) {
    // The header row: the labels in order, a label wrapped over lines where its column is narrow.
    const labels = columns.map((column) => column.label);
    const squeezed = (text: string) => text.replace(/\s+/g, '');
    const target = squeezed(labels.join(''));
    let start = -1;
    let end = -1;
    for (let index = 0; index < texts.length && end < 0; index++) {
      let joined = '';
      for (let next = index; next < texts.length && target.startsWith(joined); next++) {
        joined += squeezed(texts[next] ?? '');
        if (joined === target) {
          start = index;
          end = next + 1;
          break;
        }
      }
    }
    assert.ok(start >= 0, 'the header row is there');
    const header = texts.slice(start, end);
    const cells: string[] = [];
    for (let index = start; index < texts.length; ) {
      if (texts.slice(index, index + header.length).every((text, offset) => text === header[offset])) {
        index += header.length;
        continue;
      }
      const text = texts[index] ?? '';
      if (!/^Page \d+$/.test(text)) cells.push(text);
      index += 1;
    }
    let position = 0;
    for (const record of records) {
      for (const column of columns) {
        const expected = pdfRenderable(
          displayText(column, record[column.slug], pdfStyle).replace(/[\r\n\t]+/g, ' '),
        );
        if (!expected) continue;
        // Right-to-left runs (Arabic) are laid out in visual order, so their text comes out reversed.
        const letters = (text: string) => [...text.replace(/\s/g, '')].sort().join('');
        // A long cell wraps over lines: its pieces come one after another, without the spaces between.
        const matches = (actual: string) =>
          actual === expected ||
          actual === expected.replace(/\s+/g, '') ||
          (actual.endsWith('…') && expected.startsWith(actual.slice(0, -1))) ||
          (/[\u0590-\u08FF]/.test(expected) && letters(actual) === letters(expected));
        // A cell no single font covers (Arabic and Chinese, say) is written in pieces, one per font.
        let actual = cells[position++] ?? '<missing>';
        while (
          !matches(actual) &&
          position < cells.length &&
          [...`${actual}${cells[position]}`].length <= [...expected].length + 1
        )
          actual = `${actual}${cells[position++]}`.replace(/\s+/g, '');
        assert.ok(
          matches(actual),
          `PDF cell ${position}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
        );
      }
    }
    assert.equal(position, cells.length, 'no extra cells in the PDF');
  }

  const formats: ExportFormat[] = ['csv', 'xlsx', 'json', 'pdf'];
  for (const spec of cases) {
    for (const format of formats) {
      test(`${spec.object} as ${format}: view + filter + date range holds exactly what *.list returns, in order`, async () => {
        const expected = await listed(spec);
        assert.ok(expected.length > 20, `the case selects some rows (${expected.length})`);
        const request: StartExportInput = {
          object: spec.object,
          format,
          viewId: viewIds.get(spec.object),
          filter: spec.filter,
          dateRange: spec.dateRange,
          options: { timezone },
          ...(spec.columns ? { columns: spec.columns } : {}),
        };
        const started = await member.startExport.mutate(request);
        assert.equal(started.status, 'queued');
        const done = await waitForExport(member, started.id, ['completed', 'failed']);
        assert.equal(done.status, 'completed', JSON.stringify(done.error));
        assert.equal(done.processedRows, expected.length);
        assert.equal(done.totalRows, expected.length);
        assert.equal(done.percent, 100);
        const { body, response, link } = await download(member, started.id);
        assert.equal(Number(response.headers.get('content-length')), body.length);
        assert.equal(link.size, body.length);
        assert.match(
          response.headers.get('content-disposition') ?? '',
          new RegExp(`^attachment; filename="${spec.object}-\\d{4}-\\d{2}-\\d{2}\\.${format}"`),
        );
        assert.equal(response.headers.get('cache-control'), 'private, no-store');
        const columns = columnsOf(spec);
        if (format === 'csv') {
          const { bom, rows } = readCsv(body);
          assert.ok(bom);
          assert.deepEqual(
            rows[0],
            columns.map((column) => column.label),
          );
          assert.deepEqual(
            rows.slice(1),
            expected.map((record) =>
              columns.map((column) => {
                const text = displayText(column, record[column.slug], style);
                return isNumericColumn(column) ? text : neutraliseForCsv(text);
              }),
            ),
          );
        } else if (format === 'xlsx') {
          const { sheets } = await readXlsx(body);
          assert.equal(sheets.length, 1);
          const [sheet] = sheets;
          assert.ok(sheet?.frozen && sheet.headerBold);
          assert.deepEqual(
            sheet.rows[0],
            columns.map((column) => column.label),
          );
          assert.deepEqual(
            sheet.rows.slice(1),
            expected.map((record) => columns.map((column) => expectedXlsxCell(column, record))),
          );
        } else if (format === 'json') {
          const parsed = JSON.parse(body.toString('utf8')) as unknown[];
          assert.deepEqual(
            parsed,
            expected.map((record) => ({
              id: record.id,
              ...Object.fromEntries(
                columns.map((column) => [column.slug, jsonValue(column, record[column.slug], style)]),
              ),
            })),
          );
        } else {
          const { pages, texts } = readPdf(body);
          assert.ok(pages >= Math.ceil(expected.length / 45), `${pages} pages for ${expected.length} rows`);
          assert.ok(texts.includes(`Page ${pages}`));
          assert.ok(texts.some((text) => text.startsWith('Filter: ')));
          assert.ok(texts.some((text) => text.includes(spec.dateRange.from)));
          assertPdfHolds(texts, columns, expected);
        }
      });
    }
  }

  test('tricky values round-trip in CSV and formula-like values are neutralised', async () => {
    const started = await member.startExport.mutate({
      object: 'people',
      format: 'csv',
      columns: ['first_name', 'last_name', 'phone', 'job_title', 'company'],
    });
    await waitForExport(member, started.id, ['completed']);
    const { rows } = readCsv((await download(member, started.id)).body);
    const cells = rows.flat();
    assert.ok(cells.includes('Ops\nLogistics'), 'a newline inside a cell survives');
    assert.ok(cells.includes('Director "Special Projects"'), 'quotes survive');
    assert.ok(cells.includes('Smith, Jr.'), 'commas survive');
    assert.ok(
      cells.some((cell) => /^00\d+$/.test(cell)),
      'leading zeros survive',
    );
    assert.ok(cells.includes('Zoë') || cells.includes('Chloé'), 'accents survive');
    assert.ok(cells.includes("'=cmd|calc") && !cells.includes('=cmd|calc'), 'formulas are neutralised');
    assert.ok(cells.includes("'-VP Growth") && cells.includes("'@community") && cells.includes("'+Advisor"));
  });

  test('email reaches a real SMTP server and links to the Exports page, not the file', async () => {
    const started = await member.startExport.mutate({
      object: 'companies',
      format: 'xlsx',
      options: { timezone: 'Europe/Paris' },
      notify: { email: true },
    });
    await waitForExport(member, started.id, ['completed']);
    const deadline = Date.now() + 20_000;
    while (!mails.some((mail) => mail.raw.includes(started.id)) && Date.now() < deadline) await sleep(100);
    const mail = mails.find((candidate) => candidate.raw.includes(started.id));
    assert.ok(mail, 'the email arrived');
    assert.equal(mail.to, 'member@acme.test');
    assert.match(mail.raw, /Subject: Your Companies export is ready/);
    assert.match(mail.raw, /\/exports\?highlight=/);
    assert.doesNotMatch(mail.raw, /\/api\/exports\/|token=/);
    // Dates written for people, in the zone the requester exported in.
    const text = mail.raw.replace(/=\r\n/g, ''); // quoted-printable soft line breaks
    assert.match(text, /Available until: \w+, \d{1,2} \w+ \d{4} at \d\d:\d\d \(Europe\/Paris\)/);
    assert.doesNotMatch(mail.raw, /Available until: \d{4}-/);
  });

  test('webhook: signed POST, retried after a failure', async () => {
    const started = await member.startExport.mutate({
      object: 'conversations',
      format: 'json',
      notify: { webhookUrl: hookUrl },
    });
    await waitForExport(member, started.id, ['completed']);
    const deadline = Date.now() + 30_000;
    while (!hooks.length && Date.now() < deadline) await sleep(100);
    const [hook] = hooks;
    assert.ok(hook, 'the webhook arrived after a retry');
    const payload = JSON.parse(hook.body) as { event: string; export: ExportSummary };
    assert.equal(payload.event, 'export.completed');
    assert.equal(payload.export.id, started.id);
    const header = String(hook.headers['x-crm-signature']);
    assert.ok(verifyWebhook(webhookSecretValue, header, hook.body));
    // What docs/webhooks.md tells a receiver to do, by hand:
    const timestamp = String(hook.headers['x-crm-timestamp']);
    const digest = createHmac('sha256', webhookSecretValue).update(`${timestamp}.${hook.body}`).digest('hex');
    assert.equal(header, `t=${timestamp},v1=${digest}`);
    assert.equal(verifyWebhook('another-secret-0123456789', header, hook.body), false);
  });

  test('cancel stops a running export and leaves no file', async () => {
    const started = await member.startExport.mutate({ object: 'activities', format: 'csv' });
    const running = await waitForExport(member, started.id, ['running', 'completed'], 30_000);
    assert.equal(running.status, 'running', 'the export is slow enough to cancel');
    const cancelled = await member.cancelExport.mutate({ exportId: started.id });
    assert.equal(cancelled.status, 'cancelled');
    await sleep(800);
    const after = await member.exportStatus.query({ exportId: started.id });
    assert.equal(after.status, 'cancelled');
    assert.ok(after.processedRows < 3000);
    const error = await rejection(member.downloadExport.mutate({ exportId: started.id }));
    assert.equal(error.data?.code, 'EXPORT_NOT_READY');
    assert.equal(error.data?.status_code, 409);
    const [row] = await app.database.db.select().from(exportsTable).where(eq(exportsTable.id, started.id));
    const dir = path.join(app.services.env.EXPORT_DIR, row?.workspaceId ?? '', started.id);
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      files = [];
    }
    assert.deepEqual(files, [], 'the partial file is removed');
  });

  test('idempotencyKey: the same key from the same user returns the same export', async () => {
    const first = await member.startExport.mutate({
      object: 'companies',
      format: 'csv',
      idempotencyKey: 'nightly-42',
    });
    const again = await member.startExport.mutate({
      object: 'companies',
      format: 'json',
      idempotencyKey: 'nightly-42',
    });
    assert.equal(again.id, first.id);
    assert.equal(again.format, 'csv');
    const other = await admin.startExport.mutate({
      object: 'companies',
      format: 'csv',
      idempotencyKey: 'nightly-42',
    });
    assert.notEqual(other.id, first.id);
    await waitForExport(member, first.id, ['completed']);
    await waitForExport(admin, other.id, ['completed']);
  });

  test('download links: expired, tampered, for another export or user → 401 flat; file expiry → 410', async () => {
    const started = await member.startExport.mutate({ object: 'companies', format: 'csv' });
    await waitForExport(member, started.id, ['completed']);
    const link = await member.downloadExport.mutate({ exportId: started.id });
    assert.ok(new Date(link.expiresAt).getTime() - Date.now() <= 5 * 60_000 + 1000);
    const [row] = await app.database.db.select().from(exportsTable).where(eq(exportsTable.id, started.id));
    assert.ok(row);
    const secret = app.services.env.APP_SECRET;
    const base = `${app.url}/api/exports/${started.id}/download?token=`;
    const expired = signDownloadToken(secret, {
      exportId: started.id,
      userId: row.userId,
      expiresAt: new Date(Date.now() - 1000),
    });
    const token = new URL(link.url).searchParams.get('token') ?? '';
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const forged = signDownloadToken('x'.repeat(64), {
      exportId: started.id,
      userId: row.userId,
      expiresAt: new Date(Date.now() + 60_000),
    });
    for (const bad of [expired, tampered, forged, 'garbage', '']) {
      const response = await fetch(base + encodeURIComponent(bad));
      assert.equal(response.status, 401, bad);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.code, 'UNAUTHORIZED');
      assert.equal(body.status_code, 401);
      assert.equal('error' in body, false);
    }
    // A valid token for another export does not open this one.
    const otherId = '00000000-0000-4000-8000-000000000000';
    assert.equal(
      (await fetch(`${app.url}/api/exports/${otherId}/download?token=${encodeURIComponent(token)}`)).status,
      401,
    );
    // The token of a user who cannot see the export (a viewer) → NOT_FOUND at download time.
    const [viewerRow] = await app.database.db.select().from(users).where(eq(users.email, 'viewer@acme.test'));
    const viewerToken = signDownloadToken(secret, {
      exportId: started.id,
      userId: viewerRow?.id ?? '',
      expiresAt: new Date(Date.now() + 60_000),
    });
    assert.equal((await fetch(base + encodeURIComponent(viewerToken))).status, 404);
    assert.equal((await fetch(link.url)).status, 200);

    await app.database.db
      .update(exportsTable)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(exportsTable.id, started.id));
    assert.ok((await app.exportEngine?.expireNow()) ?? 0 >= 1);
    const status = await member.exportStatus.query({ exportId: started.id });
    assert.equal(status.status, 'expired');
    const gone = await rejection(member.downloadExport.mutate({ exportId: started.id }));
    assert.equal(gone.data?.code, 'EXPORT_EXPIRED');
    assert.equal(gone.data?.status_code, 410);
    const response = await fetch(link.url);
    assert.equal(response.status, 410);
    assert.equal(((await response.json()) as { code: string }).code, 'EXPORT_EXPIRED');
  });

  test('permissions: viewers cannot export, admins see the history, other workspaces get NOT_FOUND', async () => {
    const forbidden = await rejection(viewer.startExport.mutate({ object: 'people', format: 'csv' }));
    assert.equal(forbidden.data?.code, 'FORBIDDEN');
    const { key } = await admin.apiKeys.create.mutate({
      name: 'read only',
      scopes: ['exports:read', 'records:read'],
    });
    const { createClient } = await import('../sdk');
    const readOnly = createClient({ url: app.url, apiKey: key });
    assert.equal(
      (await rejection(readOnly.startExport.mutate({ object: 'people', format: 'csv' }))).data?.code,
      'FORBIDDEN',
    );

    const mine = await member.startExport.mutate({ object: 'companies', format: 'json' });
    await waitForExport(member, mine.id, ['completed']);
    const adminList = await admin.listExports.query({ limit: 100 });
    assert.ok(
      adminList.exports.some((summary) => summary.id === mine.id),
      'admins see the workspace history',
    );
    const memberList = await member.listExports.query({ limit: 2 });
    assert.equal(memberList.exports.length, 2);
    assert.ok(memberList.nextCursor);
    assert.ok(memberList.exports.every((summary) => summary.requestedBy.email === 'member@acme.test'));
    const nextPage = await member.listExports.query({ limit: 2, cursor: memberList.nextCursor ?? undefined });
    assert.equal(new Set([...memberList.exports, ...nextPage.exports].map((summary) => summary.id)).size, 4);
    assert.equal(
      (await viewer.listExports.query({})).exports.length,
      0,
      'a viewer sees only their own (none)',
    );
    assert.equal((await rejection(viewer.exportStatus.query({ exportId: mine.id }))).data?.code, 'NOT_FOUND');

    // Thunks, not promises: a call started before it is awaited would reject unhandled.
    for (const call of [
      () => globex.exportStatus.query({ exportId: mine.id }),
      () => globex.cancelExport.mutate({ exportId: mine.id }),
      () => globex.downloadExport.mutate({ exportId: mine.id }),
    ]) {
      const error = await rejection(call());
      assert.equal(error.data?.code, 'NOT_FOUND');
      assert.equal(error.data?.status_code, 404);
    }
    assert.ok((await globex.listExports.query({})).exports.every((summary) => summary.id !== mine.id));
  });

  test('bad requests are refused before anything is queued', async () => {
    const before = await app.database.db.select().from(exportsTable);
    const pdf = await rejection(member.startExport.mutate({ object: 'people', format: 'pdf' }));
    assert.equal(pdf.data?.code, 'VALIDATION_ERROR');
    assert.match(pdf.message, /2,000 rows/);
    const columns = await rejection(
      member.startExport.mutate({ object: 'people', format: 'csv', columns: ['first_name', 'password'] }),
    );
    assert.equal(columns.data?.code, 'VALIDATION_ERROR');
    const filter = await rejection(
      member.startExport.mutate({ object: 'people', format: 'csv', filter: { nope: 1 } }),
    );
    assert.equal(filter.data?.code, 'INVALID_FILTER');
    const range = await rejection(
      member.startExport.mutate({
        object: 'people',
        format: 'csv',
        dateRange: { attribute: 'email', from: '2026-01-01' },
      }),
    );
    assert.equal(range.data?.code, 'INVALID_FILTER');
    const [globexView] = await app.database.db
      .select({ id: savedViews.id })
      .from(savedViews)
      .innerJoin(workspaces, eq(workspaces.id, savedViews.workspaceId))
      .where(and(eq(workspaces.slug, 'globex')));
    const view = await rejection(
      member.startExport.mutate({ object: 'people', format: 'csv', viewId: globexView?.id }),
    );
    assert.equal(view.data?.code, 'NOT_FOUND');
    const after = await app.database.db.select().from(exportsTable);
    assert.equal(after.length, before.length);
  });
});
