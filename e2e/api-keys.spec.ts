import { expect, expectAccessible, login, shoot, test } from './fixtures';

/** A plain HTTP client, as a script using the key would be: fetch with `Authorization: Bearer`. */
async function callWithKey(baseURL: string, key: string, path: string, body?: unknown) {
  const response = await fetch(`${baseURL}/trpc/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as {
    result?: { data: { id: string; status: string; requestedBy: { email: string } } };
    error?: { data: { code: string } };
  };
  return { status: response.status, data: json.result?.data, code: json.error?.data.code };
}

test('Settings → API keys: create a key with exports:write only, start an export with it, revoke it, and the next call is 401', async ({
  page,
  baseURL,
}) => {
  await login(page, 'admin@acme.test');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await expect(page).toHaveTitle(/^API keys · Settings/);

  const name = `e2e exports only ${Date.now()}`;
  await page.getByRole('button', { name: 'Create API key' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create an API key' });
  await create.getByLabel('Name').fill(name);
  await create.getByRole('checkbox', { name: /exports:write/ }).check();
  await expect(create.getByRole('checkbox', { checked: true })).toHaveCount(1);
  await create.getByRole('button', { name: 'Create key' }).click();

  const created = page.getByRole('dialog', { name: 'Your new API key' });
  await expect(created).toContainText('it is shown only once');
  const keyField = created.getByTestId('new-api-key');
  const key = await keyField.inputValue();
  expect(key).toMatch(/^crm_/);
  await expect(created.getByRole('button', { name: 'Copy' })).toBeFocused();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await created.getByRole('button', { name: 'Copy' }).click();
  await expect(created.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await expectAccessible(page, 'new API key dialog');
  await shoot(page, 'api-keys-created-1440');
  await created.getByRole('button', { name: 'Done' }).click();
  await expect(created).toBeHidden();

  // The list shows the key by its prefix and scopes, never in full.
  const row = page.locator('tr', { hasText: name });
  await expect(row).toContainText('exports:write');
  await expect(row).toContainText(key.slice(0, 8));
  await expect(row).not.toContainText(key);
  await expect(row).toContainText('Never');

  // A plain HTTP client starts an export with it; the key's scopes are all it may do.
  const base = baseURL ?? '';
  const started = await callWithKey(base, key, 'startExport', { object: 'companies', format: 'csv' });
  expect(started.status).toBe(200);
  expect(started.data?.requestedBy.email).toBe('admin@acme.test');
  expect(['queued', 'running', 'completed']).toContain(started.data?.status);
  const reading = await callWithKey(
    base,
    key,
    `people.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`,
  );
  expect([reading.status, reading.code]).toEqual([403, 'FORBIDDEN']);

  await page.reload();
  await expect(page.locator('tr', { hasText: name })).not.toContainText('Never');

  // Revoke, with confirmation.
  await page
    .locator('tr', { hasText: name })
    .getByRole('button', { name: /^Revoke/ })
    .click();
  const confirm = page.getByRole('dialog', { name: `Revoke “${name}”?` });
  await expect(confirm).toContainText('stops working at once');
  await expect(confirm.getByRole('button', { name: 'Keep key' })).toBeFocused();
  await expectAccessible(page, 'revoke API key dialog');
  await confirm.getByRole('button', { name: 'Revoke key' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('region', { name: 'Revoked' }).locator('tr', { hasText: name })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Active keys' })).not.toContainText(name);

  const refused = await callWithKey(base, key, 'startExport', { object: 'companies', format: 'csv' });
  expect([refused.status, refused.code]).toEqual([401, 'UNAUTHORIZED']);
});

test('members do not see Settings, and the API keys address tells them who manages keys', async ({
  page,
}) => {
  await login(page, 'member@acme.test');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }),
  ).toHaveCount(0);
  await page.goto('/settings/api-keys');
  await expect(page.getByRole('heading', { name: 'Only admins manage API keys' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create API key' })).toHaveCount(0);
});
