import { expect } from 'chai';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createArt, hostAllowed, sniffImage, storedArtResolver, type ArtResolver } from '../../src/art/index.js';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore } from '../../src/spotify/index.js';
import { buildCore, stream, track } from '../support/core.js';
import { startFakeSpotify, type FakeSpotify } from '../support/fake-spotify.js';
import { pngOf } from '../support/fake-spotify-tracks.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';

describe('art: cover art fetched, checked, cached on disk and served by Vibescope', function () {
  this.timeout(60_000);
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { fake = await startFakeSpotify(); tmp = await tempDir(); });
  afterEach(async () => { await fake.close(); await tmp.remove(); });
  const host = () => new URL(fake.url).host;
  const withImage = (n: number, image: string) => stream(n, Date.UTC(2026, 3, 1, 12, n), { track: track(n, { album: { spotify_id: `al${n}`, name: `Album ${n}`,
    image_url: `${fake.url}/image/${image}` } }) });

  it('recognises images by their bytes and hosts by exact name or suffix', () => {
    expect(sniffImage(pngOf([1, 2, 3]))).to.equal('image/png');
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).to.equal('image/jpeg');
    expect(sniffImage(Buffer.from('<html>'))).to.equal(null);
    expect(hostAllowed('i.scdn.co', ['i.scdn.co'])).to.equal(true);
    expect(hostAllowed('image-cdn-ak.spotifycdn.com', ['*.spotifycdn.com'])).to.equal(true);
    expect(hostAllowed('evilspotifycdn.com', ['*.spotifycdn.com'])).to.equal(false);
    expect(hostAllowed('i.scdn.co.evil.net', ['i.scdn.co'])).to.equal(false);
  });

  it('downloads a stored album image once, serves it from disk afterwards, also with the service down', async () => {
    const core = await buildCore({ dataDir: path.join(tmp.dir, 'data') });
    try {
      await core.ingest.record([withImage(1, 'cover-1')]);
      const id = core.stats.streams({ from: 0, to: Date.now(), limit: 1 }).streams[0]!.track_id;
      let art = await createArt({ store: core.store, dataDir: tmp.dir, resolvers: [storedArtResolver([host()])], cacheBytes: 1 << 20, log: quietLogger() });
      expect(art.pathOf('track', id)).to.equal(`api/v1/art/track/${id}`);
      const first = await art.image('track', id);
      expect(first?.type).to.equal('image/png');
      expect(first?.bytes.equals(pngOf([0, 0, 0]))).to.equal(false, 'the fake colours each image by name');
      expect(fake.state.imageRequests).to.deep.equal(['cover-1']);
      const second = await art.image('album', core.stats.entity('track', id, { from: 0, to: Date.now() })!.album!.id);
      expect(second?.bytes.equals(first!.bytes)).to.equal(true, 'a track shows its album art');
      expect(fake.state.imageRequests).to.have.length(1, 'the second request was served from the disk cache');
      await fake.close();
      art = await createArt({ store: core.store, dataDir: tmp.dir, resolvers: [storedArtResolver([host()])], cacheBytes: 1 << 20, log: quietLogger() });
      expect((await art.image('track', id))?.bytes.equals(first!.bytes)).to.equal(true, 'cached art shows offline, after a restart');
    } finally { await core.close(); fake = await startFakeSpotify(); }
  });

  it('starts without a usable art folder: art is downloaded each time, health says so without a path', async () => {
    const core = await buildCore();
    try {
      writeFileSync(path.join(tmp.dir, 'art'), 'not a folder');
      await core.ingest.record([withImage(5, 'no-folder')]);
      const id = core.stats.streams({ from: 0, to: Date.now(), limit: 1 }).streams[0]!.track_id;
      const art = await createArt({ store: core.store, dataDir: tmp.dir, resolvers: [storedArtResolver([host()])], cacheBytes: 1 << 20, log: quietLogger(), health: core.health });
      expect((await art.image('track', id))?.type).to.equal('image/png');
      expect((await art.image('track', id))?.type).to.equal('image/png');
      expect(fake.state.imageRequests.filter((n) => n === 'no-folder')).to.have.length(2, 'nothing kept');
      const problem = core.health.state().problems.find((p) => p.id === 'art.cache')!;
      expect(problem.message).to.match(/^Cover art cannot be kept on the box/).and.not.match(/\/tmp|\/work/);
    } finally { await core.close(); }
  });

  it('refuses what is not an image, hosts nobody allowed and gone images, and falls through to the next resolver', async () => {
    const core = await buildCore();
    try {
      fake.state.garbageImages.add('garbage'); fake.state.missingImages.add('gone');
      await core.ingest.record([withImage(2, 'garbage'), withImage(3, 'gone'), withImage(4, 'ok')]);
      const ids = core.stats.streams({ from: 0, to: Date.now(), limit: 10 }).streams.map((s) => s.track_id);
      const asked: number[] = [];
      const second: ArtResolver = { name: 'second', hosts: [host()], immediate: true, resolve: (s) => { asked.push(s.id); return `${fake.url}/image/fallback-${s.id}`; } };
      const art = await createArt({ store: core.store, dataDir: tmp.dir, resolvers: [storedArtResolver([host()]), second], cacheBytes: 1 << 20, log: quietLogger() });
      for (const id of ids) expect(await art.image('track', id)).to.not.equal(null);
      expect(asked).to.have.length(2, 'the garbage and the missing image were replaced by the next resolver');
      const strict = await createArt({ store: core.store, dataDir: path.join(tmp.dir, 'strict'), resolvers: [storedArtResolver([])], cacheBytes: 1 << 20, log: quietLogger() });
      const requests = fake.state.imageRequests.length;
      expect(await strict.imageOfUrl(`${fake.url}/image/ok`)).to.equal('gone', 'a loopback host nobody allowed');
      expect(await strict.imageOfUrl('http://example.com/x.png')).to.equal('gone', 'plain http to the internet');
      expect(fake.state.imageRequests.length).to.equal(requests, 'refused before any request');
    } finally { await core.close(); }
  });

  it('keeps the cache under its cap, dropping the least recently shown images first', async () => {
    const core = await buildCore();
    try {
      await core.ingest.record([1, 2, 3, 4, 5].map((n) => withImage(10 + n, `cap-${n}`)));
      const ids = core.stats.streams({ from: 0, to: Date.now(), limit: 10 }).streams.map((s) => s.track_id).reverse();
      const size = pngOf([0, 0, 0]).length;
      // Room for three of these images (their sizes differ by a byte or two), not four.
      const art = await createArt({ store: core.store, dataDir: tmp.dir, resolvers: [storedArtResolver([host()])], cacheBytes: Math.floor(size * 3.5), log: quietLogger() });
      for (const id of ids.slice(0, 3)) await art.image('track', id);
      await art.image('track', ids[0]!); // shown again: the most recent now
      await art.image('track', ids[3]!);
      await art.image('track', ids[4]!);
      const files = readdirSync(path.join(tmp.dir, 'art'));
      expect(files.reduce((a, f) => a + statSync(path.join(tmp.dir, 'art', f)).size, 0)).to.be.at.most(Math.floor(size * 3.5));
      expect(art.status().files).to.equal(3);
      const before = fake.state.imageRequests.length;
      await art.image('track', ids[0]!);
      expect(fake.state.imageRequests.length).to.equal(before, 'the image shown again stayed');
      await art.image('track', ids[1]!);
      expect(fake.state.imageRequests.length).to.equal(before + 1, 'an older one was dropped and is downloaded again');
    } finally { await core.close(); }
  });

  describe('imported tracks, through GET /tracks/{id} with a connected account', () => {
    let app: Vibescope | null = null;
    afterEach(async () => { await app?.stop(); app = null; });
    async function start(connected: boolean) {
      if (connected) {
        const tokens = await openTokenStore(tmp.dir);
        const g = fake.grant();
        await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: '' } });
      }
      app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
        history_poll_interval_s: 600, player_poll_interval_s: 120 }), addon: false, log: quietLogger(), version: 'test', port: 0, env: {} });
      await app.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json')], { account: 'default' });
      return app;
    }
    const topTracks = (a: Vibescope) => a.stats.top('tracks', { from: 0, to: Date.now(), account: 'default' }, 5, 'plays');

    it('resolves each shown album once, never faster than the rate limit, and serves the 300 px image', async () => {
      fake.state.tracksRateLimit = { max: 3, windowMs: 1500, retryAfterS: 1 };
      const a = await start(true);
      const tracks = topTracks(a);
      expect(tracks.length).to.be.greaterThan(1);
      for (const t of tracks) expect(a.art.pathOf('track', t.id)).to.equal(null, 'nothing known yet: queued, not waited for');
      await waitFor(() => tracks.every((t) => a.art.pathOf('track', t.id) !== null), { timeoutMs: 20_000, what: 'art resolved for every shown track' });
      const calls = fake.requests.filter((r) => r.path.startsWith('/v1/tracks/')).length;
      const albums = new Set(tracks.map((t) => a.stats.entity('track', t.id, { from: 0, to: Date.now() })!.album!.id));
      expect(calls).to.equal(albums.size, 'one request per album (a track shows its album art), however often it was shown');
      expect(fake.requests.filter((r) => r.path.startsWith('/v1/tracks/')).every((r) => r.authorization?.startsWith('Bearer '))).to.equal(true);
      const times = fake.state.trackCalls;
      expect(times.every((t) => times.filter((u) => u > t - 1500 && u <= t).length <= 3)).to.equal(true, "never past the fake Spotify's window limit (no 429)");
      const res = await fetch(`http://127.0.0.1:${a.port}/api/v1/art/track/${tracks[0]!.id}`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/png');
      expect(fake.state.imageRequests.at(-1)).to.match(/-300$/);
      const etag = res.headers.get('etag')!;
      const again = await fetch(`http://127.0.0.1:${a.port}/api/v1/art/track/${tracks[0]!.id}`, { headers: { 'if-none-match': etag } });
      expect(again.status).to.equal(304);
      expect(res.headers.get('content-security-policy')).to.contain("img-src 'self' data: blob:;");
      const top = await (await fetch(`http://127.0.0.1:${a.port}/api/v1/stats/top/tracks?limit=5`)).json() as { items: { art_url: string | null }[] };
      expect(top.items.every((i) => i.art_url?.startsWith('api/v1/art/track/'))).to.equal(true);
    });

    it('rests as long as a long Retry-After asks, and asks nothing without a connected account', async () => {
      fake.state.tracksRateLimit = { max: 0, windowMs: 60_000, retryAfterS: 120 };
      const a = await start(true);
      const [t] = topTracks(a);
      a.art.pathOf('track', t!.id);
      await waitFor(() => a.art.status().resting_until['spotify-track'], { timeoutMs: 10_000, what: 'the resolver resting after a 429' });
      const resting = a.art.status().resting_until['spotify-track']!;
      expect(resting - Date.now()).to.be.within(100_000, 121_000);
      expect(a.art.status().queued).to.equal(1, 'the subject waits for the rest to end');
      await a.stop(); app = null;
      await tmp.remove(); tmp = await tempDir(); fake.requests.length = 0;
      const b = await start(false);
      expect(b.art.pathOf('track', topTracks(b)[0]!.id)).to.equal(null);
      expect(b.art.status().queued).to.equal(0);
      expect(fake.requests.filter((r) => r.path.startsWith('/v1/tracks/'))).to.deep.equal([]);
      const res = await fetch(`http://127.0.0.1:${b.port}/api/v1/art/track/${topTracks(b)[0]!.id}`);
      expect(res.status).to.equal(404, 'no art: the panel shows a letter tile');
    });

    it('remembers a track Spotify does not know and never asks for it again', async () => {
      const a = await start(true);
      const [t] = topTracks(a);
      // The album's art is looked up through one of its tracks: Spotify knows none of them.
      const album = a.stats.entity('track', t!.id, { from: 0, to: Date.now() })!.album!.id;
      const ids = a.store.sql.all<{ uri: string }>('SELECT uri FROM tracks WHERE album_id = ?', [album]).map((r) => r.uri.split(':')[2]!);
      for (const id of ids) fake.state.unknownTracks.add(id);
      a.art.pathOf('track', t!.id);
      await waitFor(() => fake.requests.some((r) => ids.some((id) => r.path === `/v1/tracks/${id}`)), { what: 'the look-up' });
      await waitFor(() => a.store.sql.get<{ tried: string }>('SELECT tried FROM art_urls')?.tried === 'spotify-track', { what: 'the none remembered' });
      expect(a.art.pathOf('track', t!.id)).to.equal(null);
      expect(a.art.status().queued).to.equal(0, 'not queued again');
    });
  });
});
