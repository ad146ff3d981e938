import { expect, type Locator, login, type Page, progressValue, recordCount, shoot, test } from './fixtures';
import { scaleWorkspace } from './scale-workspace';

test.describe.configure({ mode: 'serial' });

async function openExport(page: Page, format: RegExp): Promise<Locator> {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await dialog.getByRole('radio', { name: format }).check();
  await expect(dialog.getByTestId('export-estimate')).toContainText(/About [\d,]{6,} rows/);
  return dialog;
}

test.beforeEach(async ({ page }) => {
  await login(page, scaleWorkspace.admin.email);
  expect(await recordCount(page)).toBeGreaterThanOrEqual(100_000);
});

test('the progress bar moves and reaches 100% on a large export', async ({ page }) => {
  // XLSX: a CSV of a million people now takes the database a few seconds, too few polls to see it move.
  const dialog = await openExport(page, /^Excel \(XLSX\)/);
  await dialog.getByRole('button', { name: 'Start export' }).click();
  const seen: number[] = [];
  let runningShot = false;
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    if (await dialog.getByTestId('export-done').isVisible()) break;
    const value = await progressValue(dialog);
    if (value !== undefined && seen.at(-1) !== value) seen.push(value);
    if (!runningShot && value !== undefined && value >= 10 && value <= 70) {
      await expect(dialog.getByTestId('export-processed')).toContainText(/[\d,]+ \/ [\d,]+ rows/);
      await shoot(dialog, 'dialog-2-running');
      runningShot = true;
    }
    await page.waitForTimeout(150);
  }
  await expect(dialog.getByTestId('export-done')).toBeVisible();
  await expect(dialog.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  const moving = seen.filter((value) => value > 0 && value < 100);
  expect(moving.length, `progress values seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
  expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  expect(runningShot).toBe(true);
});

test('cancel a large export', async ({ page }) => {
  const dialog = await openExport(page, /^JSON/);
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect
    .poll(async () => (await progressValue(dialog)) ?? 0, { timeout: 30_000, intervals: [200] })
    .toBeGreaterThan(0);
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  await expect(dialog.getByTestId('export-cancelled')).toBeVisible();
  await expect(dialog).toContainText('no file was kept');
  await shoot(dialog, 'dialog-5-cancelled');
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'Exports' }).click();
  await expect(page.locator('tr[data-export-id]').first()).toContainText('Cancelled');
});

test('closing the dialog keeps the export running; the shell follows it and announces completion', async ({
  page,
}) => {
  // XLSX: on Postgres a CSV of a million people can finish between "running" showing and the click.
  const dialog = await openExport(page, /^Excel \(XLSX\)/);
  await dialog.getByRole('button', { name: 'Start export' }).click();
  await expect(dialog.getByTestId('export-running')).toBeVisible();
  await dialog.getByRole('button', { name: 'Close — keep running' }).click();
  await expect(dialog).toBeHidden();
  const indicator = page.getByTestId('export-indicator');
  await expect(indicator.getByRole('progressbar')).toBeVisible();
  await shoot(page, 'shell-export-indicator');
  await expect(page.getByTestId('export-announcer')).toContainText('People export (Excel (XLSX)) is ready', {
    timeout: 60_000,
  });
  await expect(indicator).toBeHidden();
  const toast = page.locator('.toast');
  await expect(toast).toContainText('Export ready');
  const download = page.waitForEvent('download');
  await toast.getByRole('button', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toMatch(/^people-.*\.xlsx$/);
});

test('a PDF above the row cap is refused with the structured error', async ({ page, consoleWatch }) => {
  // The server answers 400 on purpose; Chromium logs the refused request.
  consoleWatch.allow(/Failed to load resource: the server responded with a status of 400.*startExport/);
  const dialog = await openExport(page, /^PDF/);
  await expect(dialog).toContainText('PDF exports are limited to 10,000 rows');
  await dialog.getByRole('button', { name: 'Start export' }).click();
  const error = dialog.getByRole('alert');
  await expect(error).toContainText('The export could not start');
  await expect(error).toContainText('VALIDATION_ERROR');
  await expect(error).toContainText('10,000');
  await shoot(dialog, 'dialog-4-failed');
});
