import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { imported } from '../../testkit/chosen-files.js';
import { call as callOn, newVaultService } from '../support/connected-vault.js';
import { GEOFFREY, US_CORE_355 } from '../support/temp-dir.js';

/**
 * "New only" on the timeline: what arrived since the person last looked, and nothing else; the
 * people list marks a person who has such records.
 */
describe('the timeline’s new only filter, and the mark in the people list', () => {
  let service: VaultService;
  let owner: number;
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const importFile = (path: string) => imported(service, path, owner);

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call('persons.list'))[0]!.id;
  });
  afterAll(() => service.close());

  it('lists nothing before a first look, then only the records that arrived after it', async () => {
    await importFile(GEOFFREY);
    // The first look stores itself: everything so far counts as seen.
    expect((await call('records.whatsNew', { personId: owner })).total).toBe(0);
    expect((await call('timeline.page', { personId: owner, newOnly: true })).entries).toEqual([]);
    const before = (await call('timeline.counts', { personId: owner })).total;
    const marked = async () => (await call('persons.list')).find((p) => p.id === owner)?.hasNew === true;
    expect(await marked()).toBe(false);

    await importFile(US_CORE_355);
    const news = await call('records.whatsNew', { personId: owner });
    expect(news.total).toBeGreaterThan(0);
    // The people list marks them.
    expect(await marked()).toBe(true);
    const page = await call('timeline.page', { personId: owner, newOnly: true, limit: 500 });
    expect(page.entries.length).toBe(news.total);
    expect(page.entries.every((e) => e.isNew)).toBe(true);
    const counts = await call('timeline.counts', { personId: owner, newOnly: true });
    expect(counts.total).toBe(news.total);
    expect(counts.byCategory).toEqual(news.byCategory);
    expect((await call('timeline.counts', { personId: owner })).total).toBe(before + news.total);

    // Search under the same filter finds only new records, each marked new.
    const found = await call('timeline.find', { personId: owner, query: 'blood', newOnly: true });
    expect(found.entries.length).toBeGreaterThan(0);
    expect(found.entries.every((e) => e.isNew)).toBe(true);
    const everywhere = await call('timeline.find', { personId: owner, query: 'blood' });
    expect(everywhere.entries.length).toBeGreaterThan(found.entries.length);

    // Once looked at, nothing is new any more.
    await call('records.markLooked', { personId: owner, through: news.through });
    expect((await call('timeline.page', { personId: owner, newOnly: true })).entries).toEqual([]);
    expect(await marked()).toBe(false);
  });
});
