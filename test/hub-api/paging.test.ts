import { describe, expect, it } from 'vitest';
import { createToken, startHub } from './harness.js';

const BASE = '/v2/orgs/acme/access-tokens';

describe('Hub API: the next link at the end of the list', () => {
  it('is null on a last page that is exactly full, and present while one item remains', async () => {
    const hub = await startHub();
    for (let i = 0; i < 4; i++) {
      await createToken(hub, 'acme', { label: `t${i}` });
      hub.advance(1000);
    }
    const link = (page: number, size: number): string => `${hub.url}${BASE}?page=${page}&page_size=${size}`;
    const list = async (page: number, size: number) =>
      (await hub.call('GET', `${BASE}?page=${page}&page_size=${size}`, { as: 'alice' })).body;

    // page × page_size = total: the page is full and nothing follows.
    expect(await list(2, 2)).toMatchObject({ total: 4, next: null, previous: link(1, 2) });
    expect((await list(2, 2)).results).toHaveLength(2);
    expect(await list(1, 4)).toMatchObject({ total: 4, next: null, previous: null });
    expect(await list(4, 1)).toMatchObject({ total: 4, next: null, previous: link(3, 1) });

    // page × page_size = total - 1: one item is left for the next page.
    expect(await list(1, 3)).toMatchObject({ total: 4, next: link(2, 3) });
    expect(await list(3, 1)).toMatchObject({ total: 4, next: link(4, 1) });
    const after = await list(2, 3);
    expect(after).toMatchObject({ total: 4, next: null, previous: link(1, 3) });
    expect(after.results).toHaveLength(1);

    // One more token turns the full last page into one with a next.
    await createToken(hub, 'acme', { label: 't4' });
    expect(await list(2, 2)).toMatchObject({ total: 5, next: link(3, 2) });
  });
});
