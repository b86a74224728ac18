/**
 * Role: the demo's catalogue panel: a search box and a paged list of movies,
 * each with a Like toggle and an Open button. It only renders and reports
 * intents; main.ts decides what they do to the engine. Text goes through
 * textContent. May import: ./catalog-data.
 */
import { searchCatalog, type DemoItem } from './catalog-data';

const PAGE = 25;

export interface CatalogBrowserOptions {
  items: DemoItem[];
  input: HTMLInputElement;
  list: HTMLUListElement;
  more: HTMLButtonElement;
  count: HTMLElement;
  isLiked: (id: string) => boolean;
  onLike: (item: DemoItem, liked: boolean) => void;
  onOpen: (item: DemoItem) => void;
}

/** Wires the panel; returns `rerender()` for when liked state changes elsewhere. */
export function mountCatalogBrowser(o: CatalogBrowserOptions): { rerender: () => void } {
  let results = o.items;
  let shown = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const row = (item: DemoItem): HTMLLIElement => {
    const li = document.createElement('li');
    li.className = 'catalog-row';
    li.dataset.id = item.id;
    const text = document.createElement('span');
    text.className = 'text';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = item.title || `Item ${item.id}`;
    const genres = document.createElement('span');
    genres.className = 'genres';
    genres.textContent = item.genres;
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

  const showMore = (): void => {
    const next = results.slice(shown, shown + PAGE);
    o.list.append(...next.map(row));
    shown += next.length;
    o.more.hidden = shown >= results.length;
    const query = o.input.value.trim();
    o.count.textContent = query
      ? `${results.length} match${results.length === 1 ? '' : 'es'} for “${query}”, showing ${shown}`
      : `${o.items.length} movies, showing ${shown}`;
  };

  const run = (): void => {
    results = searchCatalog(o.items, o.input.value);
    shown = 0;
    o.list.replaceChildren();
    showMore();
  };

  o.input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120); // typing fast should not re-render 10k rows per key
  });
  o.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(timer);
      run();
    }
  });
  o.more.addEventListener('click', () => {
    const first = shown;
    showMore();
    // Keep keyboard users in the list instead of at the (now moved) button.
    o.list.children[first]?.querySelector<HTMLButtonElement>('button')?.focus();
  });
  run();

  return {
    rerender: () => {
      for (const button of o.list.querySelectorAll<HTMLButtonElement>('button.like')) {
        const id = (button.closest('li') as HTMLLIElement).dataset.id!;
        button.setAttribute('aria-pressed', String(o.isLiked(id)));
      }
    },
  };
}
