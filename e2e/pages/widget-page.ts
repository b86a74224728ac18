// Test page script: puts the public API on window and registers <hllm-recommendations>
// (by importing the widget entry), so e2e/widget-modes.spec.ts can start a real engine
// and mount widgets on it with page.evaluate().
import * as api from '../../src/index.ts';
import '../../src/widget/index.ts';

declare global {
  interface Window {
    hllm: typeof api;
    rec?: api.Recommender;
  }
}

window.hllm = api;
document.getElementById('status')!.textContent = 'ready';
