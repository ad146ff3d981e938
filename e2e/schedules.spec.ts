import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { expect, login, recordCount, test } from './fixtures';

test('schedule an export from the dialog, run it now, see its export in the history and download it', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  await page.goto('/companies');
  const companies = await recordCount(page);

  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export companies' });
  await exportDialog.getByRole('radio', { name: /^CSV/ }).check();
  await exportDialog.getByRole('button', { name: 'Schedule…' }).click();

  // Prefilled with the dialog's choices: the companies, as CSV.
  const scheduleDialog = page.getByRole('dialog', { name: 'Schedule an export of companies' });
  await expect(scheduleDialog).toBeVisible();
  await expect(scheduleDialog).toContainText('CSV');
  await expect(scheduleDialog.getByLabel('Name')).toHaveValue('Companies (CSV)');
  await scheduleDialog.getByLabel('Name').fill('Friday companies (e2e)');
  await scheduleDialog.getByRole('radio', { name: 'Weekly' }).check();
  await scheduleDialog.getByLabel('On', { exact: true }).selectOption('friday');
  await scheduleDialog.getByLabel('At', { exact: true }).fill('08:30');
  await scheduleDialog.getByRole('button', { name: 'Create schedule' }).click();

  const created = page.getByRole('dialog', { name: 'Export scheduled' });
  await expect(created).toContainText('Every Friday at 08:30');
  await expect(created.getByTestId('schedule-created')).toContainText('runs next on');
  await created.getByRole('button', { name: 'See schedules' }).click();

  await expect(page).toHaveURL(/\/exports\?tab=schedules/);
  await expect(page.getByRole('tab', { name: 'Schedules' })).toHaveAttribute('aria-selected', 'true');
  const row = page.getByRole('row').filter({ hasText: 'Friday companies (e2e)' });
  await expect(row).toContainText('Every Friday at 08:30');
  await expect(row.getByTestId('schedule-next-run')).toBeVisible();
  await expect(row).toContainText('Not run yet');

  await row.getByRole('button', { name: 'Run now Friday companies (e2e)' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is running now' })).toBeVisible();
  await page.getByRole('button', { name: 'See it in History' }).click();
  await expect(page.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');

  const run = page.locator('tr[data-export-id]').first();
  await expect(run).toContainText('Companies');
  await expect(run.getByTestId('scheduled-run')).toHaveText('Scheduled run');
  const download = run.getByRole('button', { name: /^Download/ });
  await expect(download).toBeVisible({ timeout: 60_000 });
  const downloadEvent = page.waitForEvent('download');
  await download.click();
  const file = await (await downloadEvent).path();
  if (!file) throw new Error('download has no file');
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
  expect(rows[0]).toContain('Name');
  expect(rows.length - 1).toBe(companies);

  // Back on the Schedules tab, the run is its last result.
  await page.getByRole('tab', { name: 'Schedules' }).click();
  const scheduled = page.getByRole('row').filter({ hasText: 'Friday companies (e2e)' });
  await expect(scheduled).toContainText('Succeeded', { timeout: 30_000 });

  // Edit it (daily, as JSON), pause and resume it, then delete it.
  await scheduled.getByRole('button', { name: 'Edit Friday companies (e2e)' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit “Friday companies (e2e)”' });
  await edit.getByRole('radio', { name: 'Daily' }).check();
  await edit.getByRole('radio', { name: 'JSON' }).check();
  await edit.getByRole('button', { name: 'Save schedule' }).click();
  await expect(edit).toBeHidden();
  await expect(scheduled).toContainText('Every day at 08:30');
  await expect(scheduled).toContainText('JSON');
  await scheduled.getByRole('button', { name: 'Pause Friday companies (e2e)' }).click();
  await expect(scheduled.getByTestId('schedule-paused')).toContainText('Paused by Max Member');
  await scheduled.getByRole('button', { name: 'Resume Friday companies (e2e)' }).click();
  await expect(scheduled.getByTestId('schedule-next-run')).toBeVisible();
  await scheduled.getByRole('button', { name: 'Delete Friday companies (e2e)' }).click();
  await scheduled.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(scheduled).toHaveCount(0);
  await expect(page.getByText('No scheduled exports')).toBeVisible();
});
