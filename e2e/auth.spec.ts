import { expect, login, shoot, test } from './fixtures';

test('log in, see the shell with user, workspace and navigation, browse every page, sign out', async ({
  page,
}) => {
  await page.goto('/people');
  await expect(page).toHaveURL(/\/login\?next=%2Fpeople/);
  await shoot(page, 'page-login');
  await login(page, 'member@acme.test');
  await expect(page.getByTestId('user-name')).toHaveText('Max Member');
  await expect(page.getByText('member · Acme')).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const label of ['People', 'Companies', 'Conversations', 'Activities', 'Exports'])
    await expect(nav.getByRole('link', { name: label })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'People' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('table')).toBeVisible();
  await shoot(page, 'page-people');

  // A linked record is shown by name and opens that record.
  const company = page.getByRole('table').locator('a.record-link').first();
  const companyName = ((await company.textContent()) ?? '').trim();
  await company.click();
  await expect(page.getByRole('heading', { level: 1, name: companyName })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Recent activity' })).toBeVisible();
  await shoot(page, 'page-company-record');

  await nav.getByRole('link', { name: 'Companies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Companies' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /Name/ }).first()).toBeVisible();
  await shoot(page, 'page-companies');

  await nav.getByRole('link', { name: 'Conversations' }).click();
  await expect(page.getByRole('columnheader', { name: /Subject/ })).toBeVisible();
  await shoot(page, 'page-conversations');

  await nav.getByRole('link', { name: 'Activities' }).click();
  const timeline = page.getByRole('region', { name: 'Activity timeline' });
  await expect(timeline.getByRole('heading', { level: 2 }).first()).toBeVisible();
  await shoot(page, 'page-activities');
  // The timeline filters by a linked record.
  const person = timeline.locator('.link-chip').first();
  const personName = ((await person.textContent()) ?? '').trim();
  await person.click();
  await expect(page.getByRole('region', { name: 'Filters' })).toContainText(personName);
  await expect(timeline.locator('.timeline-item').first()).toContainText(personName);

  await nav.getByRole('link', { name: 'Exports' }).click();
  await expect(page.getByText('No exports yet')).toBeVisible();
  await shoot(page, 'page-exports-empty');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/exports');
  await expect(page).toHaveURL(/\/login/);
});
