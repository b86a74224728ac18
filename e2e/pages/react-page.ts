// Test page script: a small React 19 app that passes properties (exclude, labels,
// recommender) to <hllm-recommendations> and listens to its hllm-view / hllm-click
// events (React 19 maps `onhllm-click` to the element's own event), showing what it
// received in #events. window.startApp(catalog, liked) starts the engine, tracks the
// liked items, renders with `exclude` = the engine's own first pick, and returns that id. Written with createElement, not JSX, to need no JSX build.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createRecommender, type CatalogItem, type Recommender } from '../../src/index.ts';
import '../../src/widget/index.ts';
import type { HllmClickDetail, HllmViewDetail } from '../../src/widget/index.ts';

declare global {
  interface Window {
    startApp(catalog: CatalogItem[], liked: string[]): Promise<string>;
  }
}

function App({ rec, exclude }: { rec: Recommender; exclude: string[] }) {
  const [events, setEvents] = useState<string[]>([]);
  const log = (line: string) => setEvents((e) => [...e, line]);
  return h('div', null,
    h('hllm-recommendations', {
      k: '4',
      layout: 'grid',
      heading: 'Für dich',
      recommender: rec,
      exclude,
      labels: { becauseYouLiked: 'Weil dir {title} gefiel' },
      'onhllm-view': (e: CustomEvent<HllmViewDetail>) => log(`view:${e.detail.id}`),
      'onhllm-click': (e: CustomEvent<HllmClickDetail>) => { e.preventDefault(); log(`click:${e.detail.id}:${e.detail.rank}`); },
    }),
    h('ol', { id: 'events' }, events.map((e, i) => h('li', { key: i }, e))),
  );
}

window.startApp = async (catalog, liked) => {
  const rec = await createRecommender({ model: '/models/default/', catalog, storage: 'memory', backend: 'wasm' });
  await rec.ready;
  for (const id of liked) await rec.track(id, { type: 'like' });
  const first = (await rec.recommend({ k: 1 }))[0]!.id;
  createRoot(document.getElementById('root')!).render(h(App, { rec, exclude: [first] }));
  return first;
};
document.getElementById('status')!.textContent = 'ready';
