/**
 * Role: the demo's "Your history" dialog: lists the locally stored events with
 * titles (asked of the engine, which holds the catalogue), exports them as a JSON download (a blob: URL, nothing is uploaded)
 * and wipes them after a second, explicit confirmation. May import: nothing
 * beyond DOM; the engine calls arrive as callbacks from main.ts.
 */

export interface HistoryRow {
  itemId: string;
  type: string;
  at: number;
}

export interface HistoryPanelOptions {
  dialog: HTMLDialogElement;
  openButton: HTMLButtonElement;
  list: HTMLOListElement;
  exportButton: HTMLButtonElement;
  wipeButton: HTMLButtonElement;
  wipeConfirm: HTMLButtonElement;
  closeButton: HTMLButtonElement;
  /** Titles of these item ids; ids it does not know are simply absent. */
  titles: (ids: string[]) => Promise<Map<string, string>>;
  load: () => Promise<HistoryRow[]>;
  exportData: () => Promise<unknown>;
  wipe: () => Promise<void>;
}

const TYPE_LABEL: Record<string, string> = { like: 'Liked', click: 'Opened' };

/** Wires the dialog; returns `refresh()` to re-read the list while it is open. */
export function mountHistoryPanel(o: HistoryPanelOptions): { refresh: () => Promise<void> } {
  const refresh = async (): Promise<void> => {
    const rows = (await o.load()).slice().reverse();
    const titles = rows.length > 0 ? await o.titles(rows.map((r) => r.itemId)) : new Map<string, string>();
    if (rows.length === 0) {
      const empty = document.createElement('li');
      empty.textContent = 'Nothing yet. Like or open a movie and it shows up here.';
      o.list.replaceChildren(empty);
      return;
    }
    o.list.replaceChildren(
      ...rows.map((row) => {
        const li = document.createElement('li');
        li.dataset.id = row.itemId;
        const what = document.createElement('span');
        what.textContent = `${TYPE_LABEL[row.type] ?? row.type}: ${titles.get(row.itemId) ?? `item ${row.itemId}`}`;
        const when = document.createElement('time');
        when.className = 'when';
        when.dateTime = new Date(row.at).toISOString();
        when.textContent = new Date(row.at).toLocaleString();
        li.append(what, when);
        return li;
      }),
    );
  };

  const resetWipe = (): void => {
    o.wipeConfirm.hidden = true;
    o.wipeButton.hidden = false;
  };

  o.openButton.addEventListener('click', async () => {
    resetWipe();
    await refresh();
    o.dialog.showModal();
  });
  o.closeButton.addEventListener('click', () => o.dialog.close());
  o.dialog.addEventListener('close', () => {
    resetWipe();
    o.openButton.focus();
  });

  o.exportButton.addEventListener('click', async () => {
    const data = await o.exportData();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `hllm-history-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000); // the download needs the URL for a moment
  });

  o.wipeButton.addEventListener('click', () => {
    o.wipeButton.hidden = true;
    o.wipeConfirm.hidden = false;
    o.wipeConfirm.focus();
  });
  o.wipeConfirm.addEventListener('click', async () => {
    o.wipeConfirm.disabled = true;
    try {
      await o.wipe();
      await refresh();
    } finally {
      o.wipeConfirm.disabled = false;
      resetWipe();
      o.wipeButton.focus();
    }
  });

  return { refresh };
}
