import { expect } from 'chai';
import { createLikedCache } from '../../src/playlists/liked.js';
import { catalogTrack } from '../support/fake-spotify-playlists.js';
import { buildPlaylistsApp, type PlaylistsApp } from './harness.js';

const HOUR = 3_600_000;

describe('playlists: liked songs (GET /me/tracks) cached in the store, synced incrementally by added_at', function () {
  this.timeout(60_000);
  let app: PlaylistsApp;
  afterEach(async () => { await app?.close(); });

  const liked = (n: number, at: number) => ({ added_at: new Date(at).toISOString(),
    track: catalogTrack({ id: `liked${String(n).padStart(17, '0')}`, name: `Liked ${n}`, artist: `Artist ${n % 11}` }) });

  it('reads every page (50 a call) the first time, then only the new ones, and drops un-liked songs at the weekly full sync', async () => {
    app = await buildPlaylistsApp();
    const t0 = app.clock.now();
    for (let i = 0; i < 120; i++) app.fake.playlists.saved.push(liked(i, t0 - (i + 1) * HOUR));
    const cache = createLikedCache(app.core.store, app.clock.now);
    const accountId = await app.core.store.exclusive(() => app.core.store.transaction(() => app.core.store.catalog.accountId('default')));
    const calls = () => app.fake.requests.filter((r) => r.path === '/v1/me/tracks');

    const first = await cache.sync(app.spotify.playlistsApi, 'default', accountId);
    expect(first).to.deep.equal({ fetched: 120, full: true, skipped: false, total: 120 });
    expect(calls().map((r) => [r.query.limit, r.query.offset])).to.deep.equal([['50', '0'], ['50', '50'], ['50', '100']]);
    expect(cache.list(accountId).map((l) => l.name).slice(0, 2)).to.deep.equal(['Liked 0', 'Liked 1']);

    // Within 6 hours nothing is asked.
    app.clock.advance(2 * HOUR);
    expect(await cache.sync(app.spotify.playlistsApi, 'default', accountId)).to.deep.include({ skipped: true, fetched: 0 });
    expect(calls()).to.have.length(3);

    // Later: 5 new liked songs; one page is read and the sync stops at the first song it already had.
    app.clock.advance(5 * HOUR);
    for (let i = 0; i < 5; i++) app.fake.playlists.saved.push(liked(1000 + i, app.clock.now() - i * 60_000));
    const incremental = await cache.sync(app.spotify.playlistsApi, 'default', accountId);
    expect(incremental).to.deep.include({ full: false, fetched: 6, total: 125 });
    expect(calls()).to.have.length(4);
    expect(cache.list(accountId)[0]!.name).to.equal('Liked 1000');

    // A week on: the full sync also forgets the 10 songs un-liked meanwhile.
    app.fake.playlists.saved.splice(0, 10);
    app.clock.advance(7 * 24 * HOUR);
    const full = await cache.sync(app.spotify.playlistsApi, 'default', accountId);
    expect(full).to.deep.include({ full: true, fetched: 115, total: 115 });
    expect(cache.list(accountId).some((l) => l.name === 'Liked 0')).to.equal(false);
  });

  it('a failing sync leaves the cache as it was', async () => {
    app = await buildPlaylistsApp();
    for (let i = 0; i < 3; i++) app.fake.playlists.saved.push(liked(i, app.clock.now() - (i + 1) * HOUR));
    const cache = createLikedCache(app.core.store, app.clock.now);
    const accountId = await app.core.store.exclusive(() => app.core.store.transaction(() => app.core.store.catalog.accountId('default')));
    await cache.sync(app.spotify.playlistsApi, 'default', accountId);
    app.clock.advance(8 * 24 * HOUR);
    app.fake.fault('/v1/me/tracks', { malformed: true });
    try { await cache.sync(app.spotify.playlistsApi, 'default', accountId); expect.fail('should throw'); } catch (err) {
      expect((err as Error).message).to.match(/malformed JSON/);
    }
    expect(cache.count(accountId)).to.equal(3);
  });
});
