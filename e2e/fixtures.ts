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
  // Attached, not visible: on a phone the user's card is folded into the Menu with the navigation.
  await expect(page.getByTestId('user-name')).toBeAttached();
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

export async function shoot(
  target: Page | Locator,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await target.screenshot({
    path: file,
    animations: 'disabled',
    ...('goto' in target && options.fullPage ? { fullPage: true } : {}),
  });
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

/**
 * axe-core on the page as it is now (a dialog included): no serious or critical violation. The report of
 * every violation found, whatever its impact, is attached to the test for reading.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const { AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const blocking = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  if (results.violations.length)
    await test.info().attach(`axe ${label}`, {
      body: JSON.stringify(
        results.violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(' ')),
        })),
        null,
        2,
      ),
      contentType: 'application/json',
    });
  expect(
    blocking.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    })),
    `serious or critical axe violations on ${label}`,
  ).toEqual([]);
}

export interface FocusLook {
  tag: string;
  name: string;
  focused: string;
  unfocused: string;
  focusVisible: boolean;
}

/**
 * How the focused element looks focused and unfocused (outline and box-shadow of the element, or of the
 * card around a visually hidden radio or checkbox). It is blurred and focused again to compare.
 */
export async function focusLook(page: Page): Promise<FocusLook> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body)
      return { tag: 'body', name: '', focused: '', unfocused: '', focusVisible: false };
    const hidden = getComputedStyle(element).opacity === '0';
    const target = (hidden ? (element.closest('label') ?? element) : element) as HTMLElement;
    const look = () => {
      const style = getComputedStyle(target);
      return `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} | ${style.boxShadow}`;
    };
    const focused = look();
    const focusVisible = element.matches(':focus-visible');
    element.blur();
    const unfocused = look();
    element.focus();
    return {
      tag: element.tagName.toLowerCase(),
      name: (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 60),
      focused,
      unfocused,
      focusVisible,
    };
  });
}

/** The focused element shows a focus indicator: it matches :focus-visible and looks different unfocused. */
export async function expectVisibleFocus(page: Page, what: string): Promise<FocusLook> {
  const look = await focusLook(page);
  expect(look.tag, `${what}: something is focused`).not.toBe('body');
  expect(look.focusVisible, `${what}: ${look.tag} "${look.name}" matches :focus-visible`).toBe(true);
  expect(look.focused, `${what}: ${look.tag} "${look.name}" looks different when focused`).not.toBe(
    look.unfocused,
  );
  return look;
}

/** Presses Tab until `target` has focus (at most `limit` times); fails if it never does. */
export async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  for (let step = 0; step < limit; step += 1) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

/** The page does not scroll sideways: nothing sticks out of the viewport's width. */
export async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(widths.page, `${what}: page width within the ${widths.viewport}px viewport`).toBeLessThanOrEqual(
    widths.viewport,
  );
}

/**
 * Every element matched by `locator` is on screen (its box inside the viewport, once the page is scrolled
 * down to it), or inside a scrollable region that says so (a labelled region mentioning scrolling, a dialog
 * body with its scroll shadows).
 */
export async function expectOnScreen(locator: Locator, what: string): Promise<void> {
  const count = await locator.count();
  expect(count, `${what}: found`).toBeGreaterThan(0);
  for (let index = 0; index < count; index += 1) {
    const verdict = await locator.nth(index).evaluate((element) => {
      // The page itself may scroll vertically (that is how pages work); never sideways.
      let box = element.getBoundingClientRect();
      if (box.bottom > window.innerHeight || box.top < 0) {
        window.scrollBy(0, box.top - window.innerHeight / 3);
        box = element.getBoundingClientRect();
      }
      const inside =
        box.left >= -1 &&
        box.top >= -1 &&
        box.right <= window.innerWidth + 1 &&
        box.bottom <= window.innerHeight + 1 &&
        box.width > 0;
      if (inside) return 'inside';
      for (let parent = element.parentElement; parent; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        const scrollsX = /(auto|scroll)/.test(style.overflowX) && parent.scrollWidth > parent.clientWidth;
        const scrollsY = /(auto|scroll)/.test(style.overflowY) && parent.scrollHeight > parent.clientHeight;
        const outsideX = box.left < -1 || box.right > window.innerWidth + 1;
        if (!scrollsX && !scrollsY) continue;
        if (outsideX && !scrollsX) continue;
        const label = parent.getAttribute('aria-label') ?? '';
        const saysSo =
          /scroll/i.test(label) ||
          parent.classList.contains('dialog-body') ||
          parent.classList.contains('sidebar-body');
        if (saysSo) {
          const region = parent.getBoundingClientRect();
          const regionOnScreen = region.left >= -1 && region.right <= window.innerWidth + 1;
          return regionOnScreen ? 'scrollable' : `region off screen (${Math.round(region.right)})`;
        }
      }
      return `off screen: ${Math.round(box.left)},${Math.round(box.top)} → ${Math.round(box.right)},${Math.round(box.bottom)} in ${window.innerWidth}×${window.innerHeight}`;
    });
    expect(['inside', 'scrollable'], `${what} #${index + 1}: ${verdict}`).toContain(verdict);
  }
}
