import { expect, login, test } from './fixtures';

/**
 * The server's Content-Security-Policy allows only this origin's scripts and styles. Each page of the
 * app (and the API reference) is opened under it, and a violation — an inline style or script, a
 * resource from elsewhere — fails the flow, whether the browser reports it as an event or on the console.
 */
const pages = [
  '/people',
  '/companies',
  '/conversations',
  '/activities',
  '/exports',
  '/settings/api-keys',
  '/people/not-a-record',
];

test('every page renders under the Content-Security-Policy without a violation', async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      );
    });
  });

  const loginPage = await page.goto('/login');
  const policy = loginPage?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  await login(page, 'admin@acme.test');
  for (const path of pages) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    await expect(page.locator('main, [role="main"]').first()).toBeVisible();
  }
  await page.goto('/people');
  await page.getByRole('button', { name: 'Export' }).first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(violations).toEqual([]);
});

test('the API reference renders from this origin under the same policy', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const external: string[] = [];
  page.on('request', (request) => {
    if (
      !request.url().startsWith(new URL(page.url() || 'http://127.0.0.1').origin) &&
      !request.url().startsWith('data:')
    )
      external.push(request.url());
  });
  await page.goto('/api/docs');
  await expect(page.getByText('startExport').first()).toBeVisible({ timeout: 30_000 });
  expect(violations).toEqual([]);
  expect(external.filter((url) => !url.startsWith('http://127.0.0.1'))).toEqual([]);
});
