// @vitest-environment happy-dom
// Unit tests of the widget's DOM builders: text is text (never markup),
// unsafe image URLs are dropped, progress labels are honest.
import { describe, expect, it } from 'vitest';
import {
  describeError,
  progressLabel,
  reasonText,
  renderError,
  renderList,
  renderLoading,
  safeImageUrl,
} from './render.ts';

const hostile = '<img src=x onerror="window.__pwned=1">Hostile & "quoted"';

describe('renderList', () => {
  it('renders titles and reasons as text, never as markup', () => {
    const root = document.createElement('div');
    renderList(
      root,
      [{ id: '7', score: 0.9, item: { id: '7', title: hostile }, because: { id: '8', score: 0.5, item: { id: '8', title: '<b>8</b>' } } }],
      { layout: 'grid', label: 'Recs' },
    );
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('b')).toBeNull();
    expect(root.querySelector('[part="title"]')?.textContent).toBe(hostile);
    expect(root.querySelector('[part="reason"]')?.textContent).toBe('Because you liked <b>8</b>');
    const list = root.querySelector('ul')!;
    expect(list.getAttribute('role')).toBe('list');
    expect(list.dataset.layout).toBe('grid');
    expect(root.querySelector('li')?.getAttribute('role')).toBe('listitem');
    const button = root.querySelector('button')!;
    expect(button.type).toBe('button');
    expect(button.dataset.id).toBe('7');
  });

  it('falls back to the id when an item has no title and omits the reason when there is none', () => {
    const root = document.createElement('div');
    renderList(root, [{ id: '42', score: 0.1, item: { id: '42' } }], { layout: 'list', label: 'R' });
    expect(root.querySelector('[part="title"]')?.textContent).toBe('Item 42');
    expect(root.querySelector('[part="reason"]')).toBeNull();
  });

  it('shows a safe image with empty alt text and drops javascript: URLs', () => {
    const root = document.createElement('div');
    renderList(
      root,
      [
        { id: '1', score: 1, item: { id: '1', title: 'A', image: 'https://img.example/a.jpg' } },
        { id: '2', score: 1, item: { id: '2', title: 'B', image: 'javascript:alert(1)' } },
      ],
      { layout: 'list', label: 'R' },
    );
    const imgs = root.querySelectorAll('img');
    expect(imgs.length).toBe(1);
    expect(imgs[0]!.getAttribute('src')).toBe('https://img.example/a.jpg');
    expect(imgs[0]!.getAttribute('alt')).toBe('');
  });
});

describe('safeImageUrl', () => {
  it.each([
    ['https://a.example/x.png', 'https://a.example/x.png'],
    ['/img/x.png', 'https://host.example/img/x.png'],
    ['data:image/png;base64,AAAA', 'data:image/png;base64,AAAA'],
    ['javascript:alert(1)', undefined],
    ['data:text/html,<b>x</b>', undefined],
    ['', undefined],
    [42, undefined],
  ])('%s -> %s', (raw, expected) => {
    expect(safeImageUrl(raw, 'https://host.example/page')).toBe(expected);
  });
});

describe('states', () => {
  it('loading is a polite live region with a determinate bar when total is known', () => {
    const root = document.createElement('div');
    renderLoading(root, { phase: 'encode', done: 25, total: 100 });
    const status = root.querySelector('[role="status"]')!;
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toContain('Reading the catalogue… 25%');
    expect(root.querySelector('progress')!.value).toBe(25);
  });

  it('progress labels never invent a percentage', () => {
    expect(progressLabel({ phase: 'download', done: 3, total: 0 })).toBe('Downloading the model…');
    expect(progressLabel({ phase: 'verify', done: 5, total: 4 })).toBe('Checking the model… 100%');
  });

  it('error is an alert carrying the message and the code as text', () => {
    const root = document.createElement('div');
    renderError(root, Object.assign(new Error(`bad ${hostile}`), { code: 'E_MODEL_FETCH' }));
    const alert = root.querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain(`bad ${hostile}`);
    expect(alert.querySelector('img')).toBeNull();
    expect(root.querySelector('[part="error-code"]')?.textContent).toBe('E_MODEL_FETCH');
  });

  it('describeError copes with strings, empties and odd values', () => {
    expect(describeError('boom')).toEqual({ message: 'boom' });
    expect(describeError(undefined).message).toBe('Unknown error');
    expect(describeError({ code: 1 }).code).toBeUndefined();
  });

  it('reasonText names the item the engine sent, or its id when that item has no title', () => {
    const item = { id: '1', title: 'One' };
    expect(reasonText({ id: '1', score: 1, item, because: { id: '9', score: 1, item: { id: '9', title: 'Heat' } } })).toBe('Because you liked Heat');
    expect(reasonText({ id: '1', score: 1, item, because: { id: '9', score: 1, item: { id: '9', title: ' ' } } })).toBe('Because you liked item 9');
    expect(reasonText({ id: '1', score: 1, item })).toBeUndefined();
  });
});
