// The demo pages load without a failed request: each links its favicon
// (public/favicon.svg, same origin), so Chromium no longer asks for a missing
// /favicon.ico and logs "Failed to load resource … 404" on every visit. Chromium's
// favicon fetch is not a page request Playwright reports, so the spec fetches the
// linked icon itself and watches the console until the engine is ready.
import { expect, test, type Page } from '@playwright/test';
import { DEMO, START_TIMEOUT, waitReady } from './support/demo.ts';

const PAGES: Array<{ path: string; ready: (page: Page) => Promise<void> }> = [
  { path: '/', ready: waitReady },
  {
    path: '/src/demo/widget.html',
    ready: (page) => expect(page.locator('#w')).toHaveAttribute('data-state', 'ready', { timeout: START_TIMEOUT }),
  },
];

for (const { path, ready } of PAGES) {
  test(`${path} links its own favicon and logs no failed load`, async ({ page }) => {
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().startsWith('Failed to load resource')) failed.push(`${m.text()} (${m.location().url})`);
    });
    await page.goto(`${DEMO}${path}`);
    await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
    const icon = await page.evaluate(async () => {
      const res = await fetch(document.querySelector<HTMLLinkElement>('link[rel="icon"]')!.href);
      return { url: res.url, status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    });
    expect(icon).toMatchObject({ url: `${DEMO}/favicon.svg`, status: 200, type: expect.stringMatching(/^image\/svg\+xml/) });
    expect(icon.body).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    await ready(page);
    expect(failed).toEqual([]);
  });
}
