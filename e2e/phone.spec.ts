import { expect, expectNoSidewaysScroll, expectOnScreen, login, recordCount, shoot, test } from './fixtures';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('at 390×844 People fits: folded navigation, header actions, filters and their popovers on screen, the table scrolls and says so', async ({
  page,
}) => {
  await login(page, 'admin@acme.test');
  await recordCount(page);
  await expectNoSidewaysScroll(page, 'People');

  // The navigation is folded into Menu, and unfolds on screen.
  const menu = page.getByRole('button', { name: 'Menu' });
  await expectOnScreen(menu, 'Menu button');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await expectOnScreen(page.getByRole('heading', { level: 1, name: 'People' }), 'page title');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expectOnScreen(nav.getByRole('link'), 'navigation links');
  await shoot(page, 'phone-people-menu-open');
  await nav.getByRole('link', { name: 'Companies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Companies' })).toBeVisible();
  await expect(nav).toBeHidden();
  await page.goBack();
  await recordCount(page);

  await expectOnScreen(page.getByRole('button', { name: 'Export', exact: true }), 'Export');
  await expectOnScreen(page.getByRole('button', { name: /^Views/ }), 'Views');
  await expectOnScreen(page.getByRole('button', { name: /^Columns/ }), 'Columns');
  const filters = page.getByRole('region', { name: 'Filters' });
  await expectOnScreen(filters.getByRole('button'), 'filter buttons');

  // The date popover opens inside the screen, its inputs included.
  await filters.getByRole('button', { name: /^Created at/ }).click();
  await page.getByRole('radio', { name: 'Custom range' }).check();
  await expectOnScreen(page.getByLabel('From', { exact: true }), 'date popover: From');
  await expectOnScreen(page.getByLabel('To', { exact: true }), 'date popover: To');
  await expectOnScreen(page.getByRole('button', { name: 'Done' }), 'date popover: Done');
  await shoot(page, 'phone-people-date-popover');
  await page.keyboard.press('Escape');
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await recordCount(page);

  // Cells past the screen's edge are in a keyboard-scrollable region that says it scrolls, with a cue.
  const table = page.getByTestId('table-scroll');
  await expect(table).toHaveAttribute('aria-label', /scrolls sideways/);
  await expect(table).toHaveAttribute('tabindex', '0');
  await expect(page.locator('.scroll-cue')).toContainText('More columns');
  await expectOnScreen(page.locator('.scroll-cue'), 'scroll cue');
  await expectOnScreen(page.getByRole('columnheader'), 'column headers');
  await expectOnScreen(page.locator('table.data-table tbody tr').first().getByRole('cell'), 'first row');
  // The first column stays put while the table scrolls.
  const firstCell = page.locator('table.data-table tbody tr').first().getByRole('cell').first();
  const before = await firstCell.boundingBox();
  await table.evaluate((element) => element.scrollBy({ left: 400 }));
  await expect(page.locator('.table-frame[data-scroll-left]')).toHaveCount(1);
  expect((await firstCell.boundingBox())?.x).toBeCloseTo(before?.x ?? -1, 0);
  await expectOnScreen(page.getByRole('button', { name: 'Next' }), 'pager');
});

test('at 390×844 the export dialog fits: every choice reachable, Start export on screen', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  await recordCount(page);
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog.getByTestId('export-estimate')).toContainText(/About \d/);
  await expectNoSidewaysScroll(page, 'export dialog');
  await expectOnScreen(dialog, 'dialog');
  await expectOnScreen(dialog.getByRole('button', { name: 'Start export' }), 'Start export');
  await expectOnScreen(dialog.getByRole('button', { name: 'Close' }), 'Close');
  await expectOnScreen(dialog.getByRole('radio'), 'scope and format choices');
  await expectOnScreen(dialog.getByRole('option'), 'columns');
  await expectOnScreen(dialog.getByLabel('From'), 'date range');
  await expectOnScreen(dialog.getByRole('checkbox'), 'options');
  await dialog.getByRole('radio', { name: /^JSON/ }).check();
  await dialog.getByRole('button', { name: 'Start export' }).click();
  const download = dialog.getByRole('button', { name: /^Download/ });
  await expect(download).toBeVisible({ timeout: 60_000 });
  await expectOnScreen(download, 'Download');
  await shoot(page, 'phone-dialog-done');
});

test('at 390×844 the Exports page fits: filters, status and Download of each export on screen', async ({
  page,
}) => {
  await login(page, 'admin@acme.test');
  const started = await page.request.post('/trpc/startExport', {
    data: { object: 'companies', format: 'csv' },
  });
  expect(started.status()).toBe(200);
  await page.goto('/exports');
  const rows = page.locator('tr[data-export-id]');
  await expect(rows.first()).toContainText('Ready', { timeout: 30_000 });
  await expectNoSidewaysScroll(page, 'Exports');
  await expectOnScreen(page.getByRole('search', { name: 'Filter exports' }).getByRole('combobox'), 'filters');
  await expectOnScreen(page.getByLabel('Requested by'), 'requester search');
  const first = rows.first();
  await expectOnScreen(first.locator('.status'), 'status');
  await expectOnScreen(first.getByRole('button', { name: /^Download/ }), 'Download');
  await expectOnScreen(first.getByRole('button', { name: 'Run again' }), 'Run again');
  await expectOnScreen(first.locator('td[data-label="Requested by"]'), 'requester');
  await expect(first.locator('td[data-label="Requested by"]')).toContainText('admin@acme.test');
  await shoot(page, 'phone-exports');

  // The filters narrow the list, and say so when nothing matches.
  await page.getByLabel('Format').selectOption('pdf');
  await expect(page).toHaveURL(/format=pdf/);
  await expect(page.getByText('No exports match')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(rows.first()).toBeVisible();
});
