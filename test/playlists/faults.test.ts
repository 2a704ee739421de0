import { expect } from 'chai';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { createSpotify, openTokenStore, PLAYLIST_SCOPES, SCOPES } from '../../src/spotify/index.js';
import { openCore } from '../../src/core.js';
import { createBus } from '../../src/bus.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { startFakeLastfm } from '../support/fake-lastfm.js';
import { memoryLogger, quietLogger, tempDir } from '../support/helpers.js';
import { buildPlaylistsApp, catalogFromRows, historyRows, type PlaylistsApp } from './harness.js';

const DAY = 86_400_000;
const rows2024 = historyRows('efrrowini_Streaming_History_Audio_2024.json');
const rows2026 = historyRows('efrrowini_Streaming_History_Audio_2026.json');

async function withHistory(app: PlaylistsApp): Promise<PlaylistsApp> {
  app.fake.playlists.catalog.push(...catalogFromRows([...rows2024, ...rows2026]));
  await app.core.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json')], { account: 'default' });
  return app;
}

describe('playlists: the bad day (failing sources, 429 storms, 5xx, missing permission)', function () {
  this.timeout(120_000);
  let app: PlaylistsApp | null = null;
  afterEach(async () => { await app?.close(); app = null; });

  it('a failing source is skipped with a sentence; the run goes on with the others', async () => {
    app = await withHistory(await buildPlaylistsApp({ options: { vibe_playlist_size: 20 } }));
    app.fake.fault('/v1/search', ...Array.from({ length: 8 }, () => ({ status: 503 })));
    const run = await app.generate();
    expect(run.status, run.error ?? '').to.equal('success');
    const search = run.sources.find((s) => s.source === 'spotify_search')!;
    expect(search).to.include({ status: 'failed', candidates: 0 });
    expect(search.error).to.match(/^Spotify did not answer Spotify search properly \(HTTP 503\)/);
    expect(app.fake.requests.filter((r) => r.path === '/v1/search'), 'the source stopped at its first failure (1 call + 3 retries)').to.have.length(4);
    expect(run.tracks).to.have.length(20);
    expect(run.tracks.every((t) => t.source !== 'spotify_search')).to.equal(true);
    expect([...app.fake.playlists.playlists.values()][0]!.items).to.have.length(20);
  });

  it('Last.fm similar artists and tracks become candidates (resolved by search); Last.fm rate limiting skips it; the key is never logged', async () => {
    const key = 'lastfm-test-key-0123456789';
    const lastfm = await startFakeLastfm(key);
    const { log, lines } = memoryLogger('debug');
    try {
      const streamedArtists = new Set(rows2024.map((r) => String(r.master_metadata_album_artist_name).toLowerCase()));
      const fresh = [...new Set(rows2026.map((r) => r.master_metadata_album_artist_name).filter((a) => a && !streamedArtists.has(a.toLowerCase())))].slice(0, 6) as string[];
      for (const r of rows2024) if (r.master_metadata_album_artist_name) lastfm.state.artists.set(r.master_metadata_album_artist_name.toLowerCase(), fresh.map((name, i) => ({ name, match: 1 - i / 10 })));
      app = await withHistory(await buildPlaylistsApp({ log, options: { lastfm_api_key: key, lastfm_api_url: lastfm.url } }));
      const run = await app.generate({ dry_run: true });
      const source = run.sources.find((s) => s.source === 'lastfm')!;
      expect(source.status, source.error ?? '').to.equal('ok');
      expect(source.candidates).to.be.greaterThan(0);
      const searched = app.fake.requests.filter((r) => r.path === '/v1/search').map((r) => String(r.query.q));
      for (const name of fresh) expect(searched).to.include(`artist:"${name}"`);
      expect(lastfm.state.requests.filter((r) => r.method === 'artist.getsimilar')).to.have.length(3);

      lastfm.state.error = 29;
      app.clock.advance(DAY + 1);
      const limited = await app.generate({ dry_run: true });
      const failed = limited.sources.find((s) => s.source === 'lastfm')!;
      expect(failed.status).to.equal('failed');
      expect(failed.error).to.equal('Last.fm refused the request: it is rate limiting; Last.fm was skipped this time.');
      expect(limited.status).to.equal('success');
      expect(lines.join('\n')).to.not.include(key);
    } finally { await lastfm.close(); }
  });

  it('a 429 storm fails the run at the write and leaves the previous playlist as it was; Retry-After is not hammered', async () => {
    app = await withHistory(await buildPlaylistsApp());
    const first = await app.generate();
    expect(first.status).to.equal('success');
    const playlist = [...app.fake.playlists.playlists.values()][0]!;
    const before = [...playlist.items];
    app.clock.advance(DAY);
    const storm = () => Array.from({ length: 40 }, () => ({ status: 429, retryAfterS: 120 }));
    app.fake.fault('/v1/search', ...storm());
    app.fake.fault('/v1/me/tracks', ...storm());
    app.fake.fault(`/v1/playlists/${playlist.id}/items`, ...storm());
    app.fake.fault(`/v1/playlists/${playlist.id}`, ...storm());
    const mark = app.fake.requests.length;
    const run = await app.generate();
    expect(run.status).to.equal('failed');
    expect(run.stage).to.equal('publishing');
    expect(run.error).to.equal('Writing the playlist to Spotify failed: Spotify asked Vibescope to wait 120 s. Your previous playlist was left as it was.');
    expect(run.sources.find((s) => s.source === 'spotify_search')!.status).to.equal('failed');
    expect(run.notes.join(' ')).to.match(/liked songs refresh was skipped this time/);
    expect(playlist.items).to.deep.equal(before);
    expect(playlist.name).to.equal(first.name);
    const after = app.fake.requests.slice(mark);
    expect(after.filter((r) => r.path === `/v1/playlists/${playlist.id}/items`), 'one attempt: a 120 s Retry-After is not waited inline').to.have.length(1);
    expect(after.filter((r) => r.path === '/v1/search'), 'search stopped at the first 429').to.have.length(1);
    expect(app.core.health.state().problems.find((p) => p.id === 'playlists.default')).to.include({ code: 'PLAYLIST_RUN_FAILED' });
    expect(app.playlists.runs({ account: 'default', limit: 5 }).map((r) => r.status)).to.deep.equal(['failed', 'success']);
    // The next run, with Spotify back, replaces the list and clears the problem.
    app.fake.clearFaults();
    app.clock.advance(DAY);
    const next = await app.generate();
    expect(next.status, next.error ?? '').to.equal('success');
    expect(app.core.health.state().problems.find((p) => p.id === 'playlists.default')).to.equal(undefined);
  });

  it('a short Retry-After is honoured: the write waits and succeeds', async () => {
    app = await withHistory(await buildPlaylistsApp({ options: { vibe_playlist_size: 10 } }));
    await app.generate();
    const playlist = [...app.fake.playlists.playlists.values()][0]!;
    app.fake.fault(`/v1/playlists/${playlist.id}/items`, { status: 429, retryAfterS: 1 }, { status: 429, retryAfterS: 1 });
    app.clock.advance(DAY);
    const mark = app.fake.requests.length;
    const run = await app.generate();
    expect(run.status, run.error ?? '').to.equal('success');
    const puts = app.fake.requests.slice(mark).filter((r) => r.path === `/v1/playlists/${playlist.id}/items`);
    expect(puts).to.have.length(3);
    expect(puts[1]!.at - puts[0]!.at).to.be.at.least(950);
    expect(puts[2]!.at - puts[1]!.at).to.be.at.least(950);
    expect(playlist.items).to.deep.equal(run.tracks.map((t) => t.uri));
  });

  it('5xx: a 502 on the idempotent PUT is retried; a POST that got a 5xx is never sent twice', async () => {
    app = await withHistory(await buildPlaylistsApp({ options: { vibe_playlist_size: 10 } }));
    app.fake.fault('/v1/me/playlists', { status: 502 });
    const failed = await app.generate();
    expect(failed.status).to.equal('failed');
    expect(failed.error).to.equal('Writing the playlist to Spotify failed: Spotify answered HTTP 502. Your previous playlist is most likely unchanged; the next run replaces it in full.');
    expect(app.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/me/playlists')).to.have.length(1);
    expect(app.fake.playlists.playlists.size).to.equal(0);
    app.clock.advance(DAY);
    const created = await app.generate();
    expect(created.status).to.equal('success');
    const playlist = [...app.fake.playlists.playlists.values()][0]!;
    app.fake.fault(`/v1/playlists/${playlist.id}/items`, { status: 502 });
    app.clock.advance(DAY);
    const retried = await app.generate();
    expect(retried.status, retried.error ?? '').to.equal('success');
    expect(playlist.items).to.deep.equal(retried.tracks.map((t) => t.uri));
  });

  it('without the playlist permission a real run is refused with the reconnect sentence; the status and health explain it; a dry run works', async () => {
    app = await withHistory(await buildPlaylistsApp({ scopes: SCOPES }));
    expect(app.core.health.state().problems.map((p) => p.code)).to.include('PLAYLISTS_SCOPE_MISSING');
    try { await app.generate(); expect.fail('should refuse'); } catch (err) {
      expect((err as Error).message).to.match(/not given Vibescope permission to change playlists.*connect Spotify again in Settings/);
      expect((err as { status?: number }).status).to.equal(409);
    }
    const status = app.playlists.status('default');
    expect(status).to.include({ enabled: true, can_write: false, scope_missing: true });
    expect(status.message).to.match(/connect Spotify again/);
    const dry = await app.generate({ dry_run: true });
    expect(dry.status).to.equal('success');
    expect(app.fake.playlists.writes).to.deep.equal([]);
    // Connecting again with the permission (Spotify's sync status turns ok) clears the problem.
    const granted = app.tokens.account('default').tokens!;
    await app.tokens.updateAccount('default', { tokens: { ...granted, scope: [...SCOPES, ...PLAYLIST_SCOPES].join(' ') } });
    app.core.bus.emit('sync.status', { account: 'default', state: 'ok', last_poll_at: null, last_success_at: null, last_error: null });
    expect(app.core.health.state().problems.map((p) => p.code)).to.not.include('PLAYLISTS_SCOPE_MISSING');
    expect(app.playlists.status('default').can_write).to.equal(true);
  });

  it('one run at a time per account; vibe_playlists off refuses real runs but not dry ones', async () => {
    app = await withHistory(await buildPlaylistsApp({ options: { vibe_playlists: false } }));
    try { await app.generate(); expect.fail('should refuse'); } catch (err) { expect((err as Error).message).to.match(/^Vibe playlists are off\. Turn on the vibe_playlists option/); }
    app.fake.fault('/v1/search', { delayMs: 500 });
    const { done } = await app.playlists.generate('default', { dry_run: true, trigger: 'api' });
    try { await app.playlists.generate('default', { dry_run: true, trigger: 'api' }); expect.fail('should refuse a second run'); } catch (err) {
      expect((err as Error).message).to.match(/already going \(run \d+\)/);
    }
    expect((await done).status).to.equal('success');
    const again = await app.generate({ dry_run: true });
    expect(again.status).to.equal('success');
    expect(app.playlists.status('default').running_run_id).to.equal(null);
  });

  it('an account that is not connected gets a dry run from its own history, with search skipped and saying why', async () => {
    app = await withHistory(await buildPlaylistsApp({ options: { vibe_playlist_size: 15 } }));
    await app.tokens.updateAccount('default', { tokens: null });
    const run = await app.generate({ dry_run: true });
    expect(run.status).to.equal('success');
    expect(run.sources.find((s) => s.source === 'spotify_search')).to.include({ status: 'skipped',
      error: 'Spotify is not connected for this account, so search was skipped.' });
    expect(app.fake.requests.filter((r) => r.path.startsWith('/v1/'))).to.deep.equal([]);
    expect(run.tracks).to.have.length(15);
  });

  it('the consent asks for playlist-modify-private and -public only when vibe_playlists is on', async () => {
    const tmp = await tempDir();
    try {
      const core = await openCore({ dataDir: null, timeZone: 'UTC', log: quietLogger() });
      const scopesOf = async (on: boolean) => {
        const config = parseConfig({ client_id: 'c', data_dir: tmp.dir, vibe_playlists: on });
        const spotify = createSpotify({ config, tokens: await openTokenStore(tmp.dir), ingest: core.ingest, bus: createBus(quietLogger()), log: quietLogger(), accounts: ['default'] });
        return new URL((await spotify.startConnect('default')).url).searchParams.get('scope')!.split(' ');
      };
      expect(await scopesOf(false)).to.deep.equal(SCOPES);
      expect(await scopesOf(true)).to.deep.equal([...SCOPES, ...PLAYLIST_SCOPES]);
      expect(PLAYLIST_SCOPES).to.deep.equal(['playlist-modify-private', 'playlist-modify-public']);
      await core.close();
    } finally { await tmp.remove(); }
  });
});
