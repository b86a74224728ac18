// The demo's catalogue panel: a search box and a paged list of movies,
// each with a Like toggle and an Open button. Matches come a page at a time
// from the engine's search() (the catalogue lives in the worker, not here). It
// only renders and reports intents; main.ts decides what they do to the
// engine. Text goes through textContent.
import type { CatalogItem, SearchOptions, SearchResult } from '../protocol.ts';
import { displayGenres, displayTitle } from './catalog-data.ts';

const PAGE = 25;

export interface CatalogBrowserOptions {
  search: (query: string, options: SearchOptions) => Promise<SearchResult>;
  input: HTMLInputElement;
  list: HTMLUListElement;
  more: HTMLButtonElement;
  count: HTMLElement;
  isLiked: (id: string) => boolean;
  onLike: (item: CatalogItem, liked: boolean) => void;
  onOpen: (item: CatalogItem) => void;
}

/** Wires the panel; returns `rerender()` for when liked state changes elsewhere. */
export function mountCatalogBrowser(o: CatalogBrowserOptions): { rerender: () => void; ready: Promise<void> } {
  let query = '';
  let shown = 0;
  let total = 0;
  let seq = 0; // the latest query wins; answers to earlier ones are dropped
  let timer: ReturnType<typeof setTimeout> | undefined;

  const row = (item: CatalogItem): HTMLLIElement => {
    const li = document.createElement('li');
    li.className = 'catalog-row';
    li.dataset.id = item.id;
    const text = document.createElement('span');
    text.className = 'text';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = displayTitle(item);
    const genres = document.createElement('span');
    genres.className = 'genres';
    genres.textContent = displayGenres(item);
    text.append(title, genres);
    const like = document.createElement('button');
    like.type = 'button';
    like.className = 'like secondary';
    like.textContent = 'Like';
    like.setAttribute('aria-label', `Like ${title.textContent}`);
    like.setAttribute('aria-pressed', String(o.isLiked(item.id)));
    like.addEventListener('click', () => {
      const liked = like.getAttribute('aria-pressed') !== 'true';
      like.setAttribute('aria-pressed', String(liked));
      o.onLike(item, liked);
    });
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'open secondary';
    open.textContent = 'Open';
    open.setAttribute('aria-label', `Open ${title.textContent}`);
    open.addEventListener('click', () => o.onOpen(item));
    li.append(text, like, open);
    return li;
  };

  const showCount = (): void => {
    o.count.textContent = query
      ? `${total} match${total === 1 ? '' : 'es'} for “${query}”, showing ${shown}`
      : `${total} movies, showing ${shown}`;
  };

  /** Appends the next page of the current query (or, with `fresh`, starts it over). */
  const load = async (fresh: boolean): Promise<void> => {
    const mine = ++seq;
    const q = fresh ? o.input.value.trim() : query;
    let page: SearchResult;
    try {
      page = await o.search(q, { limit: PAGE, offset: fresh ? 0 : shown });
    } catch (error) {
      if (mine === seq) o.count.textContent = `Search failed: ${(error as Error).message}`;
      return;
    }
    if (mine !== seq) return;
    if (fresh) {
      query = q;
      shown = 0;
      o.list.replaceChildren();
    }
    o.list.append(...page.items.map(row));
    shown += page.items.length;
    total = page.total;
    o.more.hidden = shown >= total;
    showCount();
  };

  o.input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(true), 120); // typing fast should not search on every key
  });
  o.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(timer);
      void load(true);
    }
  });
  o.more.addEventListener('click', async () => {
    const first = shown;
    await load(false);
    // Keep keyboard users in the list instead of at the (now moved) button.
    o.list.children[first]?.querySelector<HTMLButtonElement>('button')?.focus();
  });

  return {
    ready: load(true),
    rerender: () => {
      for (const button of o.list.querySelectorAll<HTMLButtonElement>('button.like')) {
        const id = (button.closest('li') as HTMLLIElement).dataset.id!;
        button.setAttribute('aria-pressed', String(o.isLiked(id)));
      }
    },
  };
}
