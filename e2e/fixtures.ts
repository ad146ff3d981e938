import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';

export type { Locator, Page };

export { expect };

export const demoPassword = 'demo1234';
export const screenshotDir = path.join(process.cwd(), 'test-results', 'screenshots');

interface ConsoleWatch {
  /** Declares a console error this flow provokes on purpose (a refused request's "Failed to load resource"). */
  allow(pattern: RegExp): void;
}

/**
 * Every flow fails on a console error or an uncaught page error, unless the flow declared that exact
 * error as expected beforehand.
 */
export const test = base.extend<{ consoleWatch: ConsoleWatch }>({
  consoleWatch: [
    async ({ page }, use) => {
      const allowed: RegExp[] = [];
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const text = `${message.text()} (${message.location().url})`;
        if (!allowed.some((pattern) => pattern.test(text))) problems.push(`console.error: ${text}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      expect(problems, 'no console errors during the flow').toEqual([]);
    },
    { auto: true },
  ],
});

export async function login(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(demoPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/people');
  await expect(page.getByTestId('user-name')).toBeVisible();
}

/** The total the record page shows, once the list has settled after the last change. */
export async function recordCount(page: Page): Promise<number> {
  await expect(page.getByTestId('record-count')).toHaveText(/\d/, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  await expect(page.locator('table[aria-busy="true"]')).toHaveCount(0, { timeout: 30_000 });
  const text = (await page.getByTestId('record-count').textContent()) ?? '';
  const match = /([\d,]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no count in "${text}"`);
  return Number(match[1].replace(/,/g, ''));
}

export async function shoot(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await target.screenshot({ path: file, animations: 'disabled' });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
  return file;
}

/** The dialog's progress bar value, or undefined when it is not on screen. */
export async function progressValue(dialog: Locator): Promise<number | undefined> {
  const bar = dialog.getByRole('progressbar').first();
  if (!(await bar.isVisible().catch(() => false))) return undefined;
  const value = await bar.getAttribute('aria-valuenow').catch(() => null);
  return value === null ? undefined : Number(value);
}
