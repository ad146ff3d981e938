import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { expect, type Locator, login, type Page, recordCount, shoot, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

const viewName = 'Active VIP customers (e2e)';
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

async function download(page: Page, dialog: Locator): Promise<string> {
  const downloadEvent = page.waitForEvent('download');
  await dialog.getByRole('button', { name: /^Download/ }).click();
  const file = await (await downloadEvent).path();
  if (!file) throw new Error('download has no file');
  return file;
}

async function emailsOnPage(page: Page): Promise<string[]> {
  const header = page.getByRole('columnheader');
  const names = await header.allTextContents();
  const emailIndex = names.findIndex((name) => name.toLowerCase().startsWith('email'));
  const cells = page.locator(`table.data-table tbody tr td:nth-child(${emailIndex + 1})`);
  return (await cells.allTextContents()).map((text) => text.trim());
}

async function exportView(page: Page, format: 'CSV' | 'Excel (XLSX)', screenshots: boolean) {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog).toBeVisible();
  // Pre-filled with the page's saved view, which is what this flow exports.
  await expect(dialog.getByRole('radio', { name: /A saved view/ })).toBeChecked();
  await expect(dialog.getByTestId('export-scope-summary')).toContainText('Status is one of');
  await dialog.getByRole('radio', { name: new RegExp(`^${format.replace(/[()]/g, '\\$&')}`) }).check();
  await expect(dialog.getByTestId('export-estimate')).toContainText(/About \d/);
  if (screenshots) await shoot(dialog, 'dialog-1-choosing');
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect(dialog.getByTestId('export-done')).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  if (screenshots) await shoot(dialog, 'dialog-3-done');
  return { dialog, file: await download(page, dialog) };
}

test('filter People by status, tag and date range, save it as a view, export it as CSV and XLSX', async ({
  page,
}) => {
  await login(page, 'admin@acme.test');
  const everyone = await recordCount(page);

  const filters = page.getByRole('region', { name: 'Filters' });
  await filters.getByRole('button', { name: /^Status/ }).click();
  await page.getByRole('checkbox', { name: 'Customer' }).check();
  await page.getByRole('checkbox', { name: 'Active' }).check();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/status=active&status=customer/);

  await filters.getByRole('button', { name: /^Tags/ }).click();
  await page.getByLabel('Add a tag').fill('vip');
  await page.getByLabel('Add a tag').press('Enter');
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/tags=vip/);

  const today = new Date();
  const from = new Date(today.getTime() - 540 * 86_400_000);
  await filters.getByRole('button', { name: /^Created at/ }).click();
  await page.getByRole('radio', { name: 'Custom range' }).check();
  await page.getByLabel('From', { exact: true }).fill(isoDay(from));
  await page.getByLabel('To', { exact: true }).fill(isoDay(today));
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page).toHaveURL(/date=custom/);

  const filtered = await recordCount(page);
  expect(filtered).toBeGreaterThan(0);
  expect(filtered).toBeLessThan(everyone);
  const tableEmails = await emailsOnPage(page);

  // Filters live in the URL: a reload shows the same records.
  await page.reload();
  expect(await recordCount(page)).toBe(filtered);

  await page.getByRole('button', { name: 'Views' }).click();
  await page.getByRole('button', { name: /Save current filters as a view/ }).click();
  await page.getByLabel('Name').fill(viewName);
  await page.getByLabel('Share with the workspace').check();
  await page.getByRole('button', { name: 'Save view' }).click();
  await expect(page).toHaveURL(/view=[0-9a-f-]{36}/);
  await expect(page.getByRole('heading', { level: 1, name: viewName })).toBeVisible();
  expect(await recordCount(page)).toBe(filtered);

  // CSV: the file parses and holds exactly the rows the table counts.
  const csv = await exportView(page, 'CSV', true);
  const text = readFileSync(csv.file, 'utf8').replace(/^\uFEFF/, '');
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data).toHaveLength(filtered);
  expect(parsed.meta.fields).toContain('Email');
  const csvEmails = new Set(parsed.data.map((row) => row.Email));
  for (const email of tableEmails) expect(csvEmails.has(email)).toBe(true);
  await csv.dialog.getByRole('button', { name: 'Close' }).last().click();
  await expect(csv.dialog).toBeHidden();

  // XLSX, read back with exceljs.
  const xlsx = await exportView(page, 'Excel (XLSX)', false);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(xlsx.file);
  let dataRows = 0;
  const emails = new Set<string>();
  for (const sheet of workbook.worksheets) {
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const emailColumn = header.indexOf('Email');
    sheet.eachRow((row, index) => {
      if (index === 1) return;
      dataRows += 1;
      emails.add(String(row.getCell(emailColumn).value));
    });
  }
  expect(dataRows).toBe(filtered);
  for (const email of tableEmails) expect(emails.has(email)).toBe(true);
  await page.keyboard.press('Escape');
  await expect(xlsx.dialog).toBeHidden();

  // Both exports are in the history, with the view in their summary. Only this view's rows are counted:
  // an admin's history is the workspace's, where other flows export too.
  await page.getByRole('link', { name: 'Exports' }).click();
  const rows = page.locator('tr[data-export-id]', { hasText: `View “${viewName}”` });
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(`View “${viewName}”`);
  await expect(rows.first()).toContainText('Ready');
  await shoot(page, 'page-exports');

  // "Run again" starts the same export; the shell follows it to the end.
  await rows.first().getByRole('button', { name: 'Run again' }).click();
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('export-announcer')).toContainText('People export (Excel (XLSX)) is ready');
  await expect(rows.first()).toContainText(`View “${viewName}”`);
  await expect(rows.first()).toContainText('Ready');
});

test('an invalid advanced filter shows the INVALID_FILTER reason next to the offending part', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  await page.getByRole('button', { name: /^Advanced/ }).click();
  const editor = page.getByLabel('Filter JSON');
  await editor.fill('{"$and": [{"tags": "vip"}, {"status": {"$gt": "active"}}]}');
  await page.getByRole('button', { name: 'Apply filter' }).click();
  const problem = page.locator('.advanced-editor .filter-problem');
  await expect(problem).toContainText('INVALID_FILTER');
  await expect(problem).toContainText('$and[1].status.$gt');
  await expect(problem).toContainText("Operator $gt is not supported for select attribute 'status'");
  // The offending line is marked in the editor's gutter: line 8 of the formatted JSON.
  await expect(problem).toContainText('Line 8');
  await expect(page.locator('.gutter-line.is-problem')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Export', exact: true })).toBeDisabled();
  await shoot(page, 'page-people-invalid-filter');

  // Fixing it brings the records back.
  await editor.fill('{"$and": [{"tags": "vip"}, {"status": {"$in": ["active"]}}]}');
  await page.getByRole('button', { name: 'Apply filter' }).click();
  await expect(page.locator('.filter-problem')).toHaveCount(0);
  expect(await recordCount(page)).toBeGreaterThan(0);
});
