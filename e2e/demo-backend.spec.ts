// The demo starts with backend 'auto' and shows why it runs where it runs. Chromium here has
// only SwiftShader, a software WebGPU adapter, so 'auto' must refuse it and say so; forcing
// ?backend=wasm says that instead. Real engine worker, real IndexedDB, Debian Chromium.
import { expect, test } from '@playwright/test';
import { DEMO, openDemo } from './support/demo.ts';

test("the demo defaults to backend 'auto' and shows the reason; ?backend=wasm is honoured", async ({ page }) => {
  await openDemo(page);
  await expect(page.locator('#runtime')).toContainText(/^Why this backend: WebGPU adapter is a software fallback \(.+\), slower than WASM; dtype /);
  await expect(page.locator('#runtime')).not.toContainText('forced by caller');

  // Same origin, so the vectors come from IndexedDB: this start is fast.
  await openDemo(page, `${DEMO}/?backend=wasm`);
  await expect(page.locator('#runtime')).toContainText(/^Why this backend: wasm forced by caller; dtype /);
});
