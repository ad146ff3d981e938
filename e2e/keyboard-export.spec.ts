import ExcelJS from 'exceljs';
import { expect, expectVisibleFocus, login, recordCount, tabTo, test } from './fixtures';

test('keyboard only: from People reach Export, choose XLSX, reorder a column, start, and download with Enter', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  await recordCount(page);
  // From here on, only the keyboard: start from the top of the page as a keyboard user would.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await expectVisibleFocus(page, 'skip link');

  const exportButton = page.getByRole('button', { name: 'Export', exact: true });
  await tabTo(page, exportButton);
  const exportLook = await expectVisibleFocus(page, 'Export button');
  // The primary button's own shadow no longer hides the focus: the outline is what changes.
  expect(exportLook.focused).toMatch(/^solid 2px/);
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog).toBeVisible();
  const xlsx = dialog.getByRole('radio', { name: /^Excel \(XLSX\)/ });
  const csv = dialog.getByRole('radio', { name: /^CSV/ });
  await tabTo(page, csv);
  await expectVisibleFocus(page, 'format radio (CSV)');
  await page.keyboard.press('ArrowRight');
  await expect(xlsx).toBeFocused();
  await expect(xlsx).toBeChecked();
  await expectVisibleFocus(page, 'format radio (XLSX)');

  // The column list is one tab stop: arrows move within it, Alt+↑ moves the column up.
  const columns = dialog.getByRole('listbox', { name: /Columns/ });
  const firstOption = columns.getByRole('option').first();
  await tabTo(page, firstOption);
  await expectVisibleFocus(page, 'first column option');
  const before = (await columns.getByRole('option').allTextContents()).map((text) =>
    text.replace(/\d+$/, ''),
  );
  await page.keyboard.press('ArrowDown');
  const second = columns.getByRole('option').nth(1);
  await expect(second).toBeFocused();
  const moved = before[1]?.replace(/^⋮⋮✓?/, '') ?? '';
  await page.keyboard.press('Alt+ArrowUp');
  const movedOption = columns.getByRole('option', { name: moved });
  await expect(movedOption).toBeFocused();
  await expect(columns.getByRole('option').first()).toHaveAccessibleName(moved);
  await expectVisibleFocus(page, `moved column option (${moved})`);
  // Tab leaves the list in one press, to the next control after it.
  await page.keyboard.press('Tab');
  await expect(columns.getByRole('option')).not.toHaveCount(0);
  expect(await columns.evaluate((list) => list.contains(document.activeElement))).toBe(false);

  const start = dialog.getByRole('button', { name: 'Start export' });
  await tabTo(page, start);
  await expectVisibleFocus(page, 'Start export');
  await page.keyboard.press('Enter');

  // Focus follows the export: to the progress while it runs, to Download when it is ready — never <body>.
  const statusArea = dialog.getByTestId('export-status-area');
  const download = dialog.getByRole('button', { name: /^Download/ });
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const active = document.activeElement;
          if (active?.getAttribute('data-testid') === 'export-status-area') return 'progress';
          if (active?.textContent?.startsWith('Download')) return 'download';
          return active?.tagName.toLowerCase() ?? 'none';
        }),
      { timeout: 10_000 },
    )
    .toMatch(/^(progress|download)$/);
  if (await statusArea.evaluate((element) => element === document.activeElement))
    await expectVisibleFocus(page, 'progress area');
  await expect(download).toBeFocused({ timeout: 60_000 });
  await expect(dialog.getByTestId('export-dialog-announcer')).toContainText('Press Enter to download');
  await expectVisibleFocus(page, 'Download');

  const downloadEvent = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const file = await (await downloadEvent).path();
  expect(file).toBeTruthy();
  // The file is the XLSX chosen, its columns in the order chosen.
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file ?? '');
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error('the XLSX has no sheet');
  const header = (sheet.getRow(1).values as unknown[]).filter(Boolean).map(String);
  expect(header[0]).toBe(moved);
  // After the download, focus is still on Download (it does not fall to <body>).
  await expect(download).toBeFocused();
});
