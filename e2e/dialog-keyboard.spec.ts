import { expect, login, test } from './fixtures';

test('the export dialog is labelled, keeps focus inside, works by keyboard and closes with Escape', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  const opener = page.getByRole('button', { name: 'Export', exact: true });
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Export people' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('aria-modal', 'true');

  const focusInside = () => page.evaluate(() => Boolean(document.activeElement?.closest('[role="dialog"]')));
  expect(await focusInside()).toBe(true);
  for (let step = 0; step < 45; step += 1) {
    await page.keyboard.press('Tab');
    expect(await focusInside()).toBe(true);
  }
  for (let step = 0; step < 5; step += 1) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusInside()).toBe(true);
  }

  // Format and columns are reachable and operable from the keyboard.
  await dialog.getByRole('radio', { name: /^JSON/ }).focus();
  await page.keyboard.press('Space');
  await expect(dialog.getByRole('radio', { name: /^JSON/ })).toBeChecked();
  const columns = dialog.getByRole('listbox', { name: /Columns/ });
  await columns.getByRole('option', { name: 'Email' }).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(columns.getByRole('option', { name: 'Email' })).toBeFocused();
  const labels = await columns.getByRole('option').allTextContents();
  expect(labels.findIndex((label) => label.includes('Email'))).toBeLessThan(
    labels.findIndex((label) => label.includes('Last name')),
  );

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});
