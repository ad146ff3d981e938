import type { APIRequestContext } from '@playwright/test';
import { expect, login, test } from './fixtures';

interface Summary {
  id: string;
  status: string;
}

async function trpcMutation<T>(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/trpc/${path}`, { data: input });
  const body = (await response.json()) as { result?: { data: T }; error?: { data: { code: string } } };
  return { status: response.status(), data: body.result?.data, code: body.error?.data.code };
}

async function trpcQuery<T>(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.get(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  const body = (await response.json()) as { result?: { data: T }; error?: { data: { code: string } } };
  return { status: response.status(), data: body.result?.data, code: body.error?.data.code };
}

async function completedExport(request: APIRequestContext): Promise<{ id: string; url: string }> {
  const started = await trpcMutation<Summary>(request, 'startExport', { object: 'companies', format: 'csv' });
  expect(started.status).toBe(200);
  const id = started.data?.id ?? '';
  await expect
    .poll(async () => (await trpcQuery<Summary>(request, 'exportStatus', { exportId: id })).data?.status, {
      timeout: 30_000,
    })
    .toBe('completed');
  const link = await trpcMutation<{ url: string }>(request, 'downloadExport', { exportId: id });
  return { id, url: new URL(link.data?.url ?? '').pathname + new URL(link.data?.url ?? '').search };
}

test('a viewer sees Export disabled with the reason, and the server refuses anyway', async ({ page }) => {
  await login(page, 'viewer@acme.test');
  const exportButton = page.getByRole('button', { name: 'Export', exact: true });
  await expect(exportButton).toBeDisabled();
  await expect(page.getByRole('note')).toContainText('Viewers can browse records but not export them');
  await expect(exportButton).toHaveAccessibleDescription(/Viewers can browse records/);
  await page.getByRole('link', { name: 'Companies' }).click();
  await expect(page.getByRole('button', { name: 'Export', exact: true })).toBeDisabled();

  const refused = await trpcMutation(page.request, 'startExport', { object: 'people', format: 'csv' });
  expect(refused.status).toBe(403);
  expect(refused.code).toBe('FORBIDDEN');
});

test("a Globex user can neither see nor download Acme's export", async ({ page, browser }) => {
  await login(page, 'admin@acme.test');
  const acme = await completedExport(page.request);
  expect((await page.request.get(acme.url)).status()).toBe(200);

  const globexContext = await browser.newContext();
  const globex = await globexContext.newPage();
  const errors: string[] = [];
  globex.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await login(globex, 'admin@globex.test');
  await expect(globex.getByText('admin · Globex')).toBeVisible();

  // The UI: Acme's export is not in Globex's history, even for Globex's admin.
  await globex.getByRole('link', { name: 'Exports' }).click();
  await expect(globex.getByRole('heading', { level: 1, name: 'Exports' })).toBeVisible();
  await expect(globex.getByText('No exports yet')).toBeVisible();
  await expect(globex.locator(`tr[data-export-id="${acme.id}"]`)).toHaveCount(0);

  // The API: status and download links of Acme's export do not exist for Globex.
  const status = await trpcQuery(globex.request, 'exportStatus', { exportId: acme.id });
  expect([status.status, status.code]).toEqual([404, 'NOT_FOUND']);
  const link = await trpcMutation(globex.request, 'downloadExport', { exportId: acme.id });
  expect([link.status, link.code]).toEqual([404, 'NOT_FOUND']);

  // The download URL: Globex's own valid token does not open Acme's file, nor does no token.
  const own = await completedExport(globex.request);
  const ownToken = new URL(own.url, 'http://x').searchParams.get('token') ?? '';
  const swapped = await globex.request.get(
    `/api/exports/${acme.id}/download?token=${encodeURIComponent(ownToken)}`,
  );
  expect(swapped.status()).toBe(401);
  const body = (await swapped.json()) as { code: string };
  expect(body.code).toBe('UNAUTHORIZED');
  expect((await globex.request.get(`/api/exports/${acme.id}/download`)).status()).toBe(401);
  expect(errors).toEqual([]);
  await globexContext.close();
});
