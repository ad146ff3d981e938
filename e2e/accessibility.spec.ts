import type { Page, Route } from '@playwright/test';
import { expect, expectAccessible, login, recordCount, shoot, test } from './fixtures';
import { scaleWorkspace } from './scale-workspace';

test.describe.configure({ mode: 'serial' });

const desktop = { width: 1440, height: 900 };
const phone = { width: 390, height: 844 };

/** axe at both widths, and a full-page screenshot at each, named `page-<name>-<width>`. */
async function checkPage(page: Page, name: string, ready: () => Promise<void>): Promise<void> {
  for (const viewport of [desktop, phone]) {
    await page.setViewportSize(viewport);
    await ready();
    await expectAccessible(page, `${name} at ${viewport.width}px`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, `page-${name}-${viewport.width}`, { fullPage: true });
  }
  await page.setViewportSize(desktop);
}

async function startedCompaniesExport(page: Page): Promise<string> {
  const response = await page.request.post('/trpc/startExport', {
    data: { object: 'companies', format: 'csv' },
  });
  expect(response.status()).toBe(200);
  const id = ((await response.json()) as { result: { data: { id: string } } }).result.data.id;
  await expect
    .poll(
      async () => {
        const status = await page.request.get(
          `/trpc/exportStatus?input=${encodeURIComponent(JSON.stringify({ exportId: id }))}`,
        );
        return ((await status.json()) as { result?: { data: { status: string } } }).result?.data.status;
      },
      { timeout: 30_000 },
    )
    .toBe('completed');
  return id;
}

// axe runs twice per page (both widths); on a busy machine that is slow, so each group has room.
test.beforeEach(() => test.setTimeout(240_000));

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });

test('the sign-in page and the record lists pass axe at 1440 and 390 px, with screenshots', async ({
  page,
}) => {
  await page.goto('/login');
  await checkPage(page, 'login', () => expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible());
  await expect(page).toHaveTitle(/^Sign in/);

  await login(page, 'admin@acme.test');

  for (const [path, name, title] of [
    ['/people', 'people', 'People'],
    ['/companies', 'companies', 'Companies'],
    ['/conversations', 'conversations', 'Conversations'],
  ] as const) {
    await page.goto(path);
    await checkPage(page, name, async () => {
      await expect(heading(page, title)).toBeVisible();
      await recordCount(page);
    });
    await expect(page).toHaveTitle(new RegExp(`^${title} · Acme CRM$`));
  }
});

test('activities, a record, a bad record URL and an unknown page pass axe at both widths', async ({
  page,
}) => {
  await login(page, 'admin@acme.test');

  await page.goto('/activities');
  await checkPage(page, 'activities', async () => {
    await expect(heading(page, 'Activities')).toBeVisible();
    await expect(page.locator('.timeline-item').first()).toBeVisible();
  });
  await expect(page).toHaveTitle(/^Activities · Acme CRM$/);

  await page.goto('/people');
  await recordCount(page);
  await page.locator('table.data-table tbody a.row-primary').first().click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toBeVisible();
  const person = (await heading(page, /./).textContent()) ?? '';
  await checkPage(page, 'person', () =>
    expect(page.getByRole('heading', { name: 'Recent activity' })).toBeVisible(),
  );
  await expect(page).toHaveTitle(`${person} · Acme CRM`);

  await page.goto('/people/not-a-record-id');
  await checkPage(page, 'person-bad-url', () =>
    expect(page.getByRole('heading', { name: 'No such person' })).toBeVisible(),
  );
  await expect(page).toHaveTitle(/^Person not found/);
  await page.getByRole('link', { name: 'Back to People' }).click();
  await expect(heading(page, 'People')).toBeVisible();

  await page.goto('/no-such-page');
  await checkPage(page, 'not-found', () => expect(page.getByText('Nothing here')).toBeVisible());
});

test('the Exports and API keys pages pass axe at both widths', async ({ page }) => {
  await login(page, 'admin@acme.test');

  await startedCompaniesExport(page);
  await page.goto('/exports');
  await checkPage(page, 'exports', async () => {
    await expect(heading(page, 'Exports')).toBeVisible();
    await expect(page.locator('tr[data-export-id]').first()).toContainText('Ready');
  });
  await expect(page).toHaveTitle(/^Exports · Acme CRM$/);

  await page.goto('/settings/api-keys');
  await checkPage(page, 'api-keys', () => expect(heading(page, 'API keys')).toBeVisible());
  await page.getByRole('button', { name: 'Create API key' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create an API key' });
  await expect(create.getByLabel('Name')).toBeFocused();
  await expectAccessible(page, 'create API key dialog');
  await create.getByRole('button', { name: 'Create key' }).click();
  await expect(create.getByText('Give the key a name.')).toBeVisible();
  await expect(create.getByText('Choose at least one scope.')).toBeVisible();
  await expectAccessible(page, 'create API key dialog with errors');
  await page.keyboard.press('Escape');
});

type Summary = Record<string, unknown>;

const runningAt40 = (summary: Summary): Summary => ({
  ...summary,
  status: 'running',
  percent: 40,
  totalRows: 500,
  processedRows: 200,
  etaSeconds: 12,
  finishedAt: null,
  fileName: null,
  fileSize: null,
});

const failedStalled = (summary: Summary): Summary => ({
  ...summary,
  status: 'failed',
  finishedAt: new Date().toISOString(),
  error: { code: 'EXPORT_STALLED', message: 'The export stopped making progress and was abandoned.' },
  requestId: 'req_e2e_failed_0001',
});

/** Rewrites the exportStatus answers (batched with other queries or not) the page receives. */
async function rewriteExportStatus(route: Route, change: (summary: Summary) => Summary): Promise<void> {
  const response = await route.fetch();
  const body = (await response.json()) as unknown;
  const paths = new URL(route.request().url()).pathname.replace('/trpc/', '').split(',');
  const rewrite = (entry: { result?: { data?: Summary } }) =>
    entry.result?.data ? { ...entry, result: { ...entry.result, data: change(entry.result.data) } } : entry;
  const changed = Array.isArray(body)
    ? body.map((entry, index) => (paths[index] === 'exportStatus' ? rewrite(entry) : entry))
    : rewrite(body as { result?: { data?: Summary } });
  await route.fulfill({ response, json: changed });
}

test('every state of the export dialog passes axe, at 1440 and 390 px', async ({ page, consoleWatch }) => {
  // The PDF over the row cap is refused with a 400 on purpose; Chromium logs the refused request.
  consoleWatch.allow(/Failed to load resource: the server responded with a status of 400.*startExport/);
  await login(page, scaleWorkspace.admin.email);
  await recordCount(page);
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  // Every state at 1440; the states whose layout differs most on a phone at 390 too (the phone flows
  // check the dialog's fit separately).
  const both = async (state: string, widths = [phone, desktop]) => {
    for (const viewport of widths) {
      await page.setViewportSize(viewport);
      await expectAccessible(page, `export dialog, ${state}, ${viewport.width}px`);
      await shoot(page, `dialog-${state}-${viewport.width}`);
    }
  };

  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-estimate')).toContainText(/About [\d,]+ rows/);
  await both('choosing');

  await dialog.getByRole('radio', { name: /^PDF/ }).check();
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The export could not start');
  await expect(dialog.getByRole('button', { name: 'Copy details' })).toBeVisible();
  await both('start-refused', [desktop]);

  // A large export is cancelled as soon as it runs: the cancelled state.
  await dialog.getByRole('radio', { name: /^JSON/ }).check();
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect(dialog.getByTestId('export-status-area')).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  await expect(dialog.getByTestId('export-cancelled')).toBeVisible();
  await expect(dialog.getByTestId('export-status-area')).toBeFocused();
  await both('cancelled', [desktop]);
  await dialog.getByRole('button', { name: 'Back to settings' }).click();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // The running state, held still while axe reads it (the status answers say "running" at 40%), then the
  // real answers again: the export completes, focus on Download.
  await page.goto('/companies');
  await recordCount(page);
  const companies = page.getByRole('dialog', { name: 'Export companies' });
  await page.route('**/trpc/**exportStatus**', (route) => rewriteExportStatus(route, runningAt40));
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await companies.getByRole('button', { name: 'Start export' }).click();
  await expect(companies.getByTestId('export-running')).toBeVisible();
  await expect(companies.getByTestId('export-status-area')).toBeFocused();
  await expect(companies.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
  await both('running', [desktop]);
  await page.unroute('**/trpc/**exportStatus**');
  await expect(companies.getByTestId('export-done')).toBeVisible({ timeout: 60_000 });
  await expect(companies.getByRole('button', { name: /^Download/ })).toBeFocused();
  await both('done');
  await page.keyboard.press('Escape');

  // A failed export: its code, message, request id and "Copy details".
  await page.route('**/trpc/**exportStatus**', (route) => rewriteExportStatus(route, failedStalled));
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await companies.getByRole('radio', { name: /^JSON/ }).check();
  await companies.getByRole('button', { name: 'Start export' }).click();
  await expect(companies.getByTestId('export-failed')).toBeVisible();
  await expect(companies.getByTestId('request-id')).toHaveText('req_e2e_failed_0001');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await companies.getByRole('button', { name: 'Copy details' }).click();
  await expect(companies.getByText('Copied')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain('code: EXPORT_STALLED');
  expect(copied).toContain('request id: req_e2e_failed_0001');
  await both('failed');
  await page.unroute('**/trpc/**exportStatus**');
});
