import { readFileSync } from 'node:fs';
import { expect, login, type Page, recordCount, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

/** The ids of the table's rows, from their links (`/people/<id>`). */
async function rowIds(page: Page): Promise<string[]> {
  const hrefs = await page
    .locator('table.data-table tbody tr a.row-primary')
    .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  return hrefs.map((href) => href.split('/').pop() ?? '');
}

test('select rows on two pages → export → the file holds exactly those rows', async ({ page }) => {
  await login(page, 'admin@acme.test');
  await recordCount(page);
  const rows = page.locator('table.data-table tbody tr');
  const firstPage = await rowIds(page);
  for (const index of [0, 2, 5]) await rows.nth(index).getByRole('checkbox').check();
  await expect(page.getByTestId('selection-bar')).toContainText('3 selected');

  // The selection is kept across pages.
  await page.getByRole('button', { name: 'Next' }).click();
  await expect.poll(async () => (await rowIds(page))[0]).not.toBe(firstPage[0]);
  const secondPage = await rowIds(page);
  await rows.nth(1).getByRole('checkbox').check();
  await expect(page.getByTestId('selection-bar')).toContainText('4 selected');
  const chosen = [firstPage[0], firstPage[2], firstPage[5], secondPage[1]];

  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog.getByRole('radio', { name: /Selected rows \(4\)/ })).toBeChecked();
  await expect(dialog.getByTestId('export-scope-summary')).toContainText('4 selected people');
  await dialog.getByRole('radio', { name: /^JSON/ }).check();
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect(dialog.getByTestId('export-done')).toBeVisible({ timeout: 60_000 });
  const downloadEvent = page.waitForEvent('download');
  await dialog.getByRole('button', { name: /^Download/ }).click();
  const file = await (await downloadEvent).path();
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { id: string }[];
  // Exactly those rows, in the page's order (newest first: page 1's before page 2's).
  expect(exported.map((row) => row.id)).toEqual(chosen);
  await page.keyboard.press('Escape');

  // Clearing empties the selection; the dialog then offers the filters again.
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await expect(page.getByTestId('selection-bar')).toHaveCount(0);
});

test('"select all N matching" selects the whole filter', async ({ page }) => {
  await login(page, 'member@acme.test');
  await page.goto('/people?status=lead');
  const leads = await recordCount(page);
  await page.getByRole('checkbox', { name: 'Select every row on this page' }).check();
  await expect(page.getByTestId('selection-bar')).toContainText('50 selected');
  await page.getByRole('button', { name: `Select all ${leads.toLocaleString('en-US')} matching` }).click();
  await expect(page.getByTestId('selection-bar')).toContainText(`${leads.toLocaleString('en-US')} selected`);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog.getByRole('radio', { name: /Selected rows/ })).toBeChecked();
  await expect(dialog.getByTestId('export-estimate')).toContainText(`About ${leads.toLocaleString('en-US')}`);
  await page.keyboard.press('Escape');
});

test('a view saved with "Last 7 days" is stored relative and reopens relative', async ({ page }) => {
  const name = 'Added this week (e2e)';
  await login(page, 'member@acme.test');
  await recordCount(page);
  const filters = page.getByRole('region', { name: 'Filters' });
  await filters.getByRole('button', { name: /^Created at/ }).click();
  await page.getByRole('radio', { name: 'Last 7 days' }).check();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page).toHaveURL(/date=7d/);
  const recent = await recordCount(page);

  await page.getByRole('button', { name: 'Views' }).click();
  await page.getByRole('button', { name: /Save current filters as a view/ }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Save view' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

  // Stored as the preset, not as the dates it means today.
  const listed = await page.request.get(
    `/trpc/views.list?input=${encodeURIComponent(JSON.stringify({ object: 'people' }))}`,
  );
  const views = (
    (await listed.json()) as { result: { data: { name: string; filter: unknown; dateRange: unknown }[] } }
  ).result.data;
  const saved = views.find((view) => view.name === name);
  expect(saved?.dateRange).toEqual({ attribute: 'created_at', preset: 'last_7_days' });
  expect(JSON.stringify(saved?.filter)).not.toContain('created_at');

  // Reopened from a clean page: the bar shows "Last 7 days" again, and the view is not "edited".
  await page.goto('/people');
  await recordCount(page);
  await page.getByRole('button', { name: 'Views' }).click();
  await page.getByRole('button', { name }).click();
  await expect(page).toHaveURL(/date=7d/);
  await expect(filters.getByRole('button', { name: /^Created at/ })).toContainText('Last 7 days');
  await expect(page.getByRole('button', { name })).toBeVisible();
  await expect(page.getByRole('button', { name })).not.toContainText('edited');
  expect(await recordCount(page)).toBe(recent);
});
