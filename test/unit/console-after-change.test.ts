import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { refetchAfterChange, storeAfterChange } from '../../web/console/src/after-change';

/**
 * A stand-in API: each fetch reads what is stored when it is sent, and answers when the test lets it,
 * so a test can hold an answer read before a change until the change is done.
 */
function heldApi(initial: readonly string[]) {
  let stored = [...initial];
  let fetches = 0;
  const held: Array<() => void> = [];
  return {
    change: (items: readonly string[]) => {
      stored = [...items];
    },
    fetch: () => {
      fetches += 1;
      const read = [...stored];
      return new Promise<string[]>((resolve) => held.push(() => resolve(read)));
    },
    /** Lets every fetch sent so far answer. */
    answer: () => {
      for (const release of held.splice(0)) release();
    },
    /** Fetches sent and not yet answered. */
    held: () => held.length,
    /** Fetches sent so far. */
    sent: () => fetches,
  };
}

describe("the console's refresh after a change", () => {
  const clients: QueryClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.clear();
  });

  /** A client with one page showing the list, as the console's pages do through useQuery; its first fetch is sent. */
  async function listOnScreen(initial: readonly string[]) {
    const api = heldApi(initial);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    clients.push(client);
    const observer = new QueryObserver(client, { queryKey: ['templates'], queryFn: api.fetch });
    const stop = observer.subscribe(() => undefined);
    await vi.waitFor(() => expect(api.held(), 'the first fetch is sent').toBe(1));
    return { api, client, shown: () => observer.getCurrentResult().data, stop };
  }

  /** What the list shows once refreshed after a change: an answer held from before lands first, then the refetch's. */
  async function shownAfterRefetch(list: Awaited<ReturnType<typeof listOnScreen>>) {
    const sentBefore = list.api.sent();
    const refreshed = refetchAfterChange(list.client, { queryKey: ['templates'] });
    list.api.answer();
    await vi.waitFor(() => expect(list.api.sent(), 'a fetch is sent after the change').toBeGreaterThan(sentBefore));
    list.api.answer();
    await refreshed;
    list.stop();
    return list.shown();
  }

  it('shows an item created while the list was still loading, not the answer read before it', async () => {
    const list = await listOnScreen(['welcome']);
    list.api.change(['welcome', 'created']);
    expect(await shownAfterRefetch(list)).toEqual(['welcome', 'created']);
  });

  it('refetches a list already shown', async () => {
    const list = await listOnScreen(['welcome']);
    list.api.answer();
    await vi.waitFor(() => expect(list.shown(), 'the list is shown').toBeDefined());
    list.api.change(['welcome', 'edited']);
    expect(await shownAfterRefetch(list)).toEqual(['welcome', 'edited']);
  });

  it("keeps a change's answer when a fetch sent before it lands afterwards", async () => {
    const list = await listOnScreen(['welcome']);
    await storeAfterChange(list.client, ['templates'], ['saved']);
    list.api.answer();
    await vi.waitFor(() => expect(list.client.isFetching(), 'no fetch is in flight').toBe(0));
    expect(list.shown()).toEqual(['saved']);
    list.stop();
  });
});
