import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { REMOVED_ENDPOINTS } from '../support/fake-spotify-playlists.js';
import { buildPlaylistsApp, catalogFromRows, historyRows, type PlaylistsApp } from './harness.js';
import type { RunState } from '../../src/playlists/index.js';

const DAY = 86_400_000;
const FILE_2024 = 'efrrowini_Streaming_History_Audio_2024.json';
const rows2024 = historyRows(FILE_2024);
const rows2026 = historyRows('efrrowini_Streaming_History_Audio_2026.json');
const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();

/**
 * The account's history by the test's own pass over the store (SQL over streams and tracks, not the
 * playlists code): streamed URIs and "artist|title" names, and skips per URI.
 */
function historyOf(app: PlaylistsApp) {
  const rows = app.core.store.sql.all<{ uri: string | null; name: string; artist: string | null; kind: number }>(
    `SELECT t.uri AS uri, t.name AS name, ar.name AS artist, s.kind AS kind FROM streams s JOIN tracks t ON t.id = s.track_id
     LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.content = 0`);
  const uris = new Set<string>(); const names = new Set<string>(); const skips = new Map<string, number>();
  for (const r of rows) {
    if (r.uri) uris.add(r.uri);
    names.add(`${lower(r.artist)}|${lower(r.name)}`);
    if (r.kind === 2 && r.uri) skips.set(r.uri, (skips.get(r.uri) ?? 0) + 1);
  }
  return { uris, names, skipped3: new Set([...skips].filter(([, n]) => n >= 3).map(([u]) => u)) };
}

/** The real export rows as liked songs: tracks of the 2026 export the 2024 history never streamed. */
function likedFromLaterExport(n: number) {
  const streamed = new Set(rows2024.map((r) => r.spotify_track_uri));
  const byUri = new Map(catalogFromRows(rows2026).map((c) => [c.track.uri, c.track]));
  return [...byUri.values()].filter((t) => !streamed.has(t.uri)).slice(0, n)
    .map((track, i) => ({ added_at: new Date(Date.UTC(2024, 11, 20) - i * 3 * DAY).toISOString(), track }));
}

async function appWithHistory(options: Record<string, unknown> = {}, liked = 40): Promise<PlaylistsApp> {
  const app = await buildPlaylistsApp({ options });
  app.fake.playlists.catalog.push(...catalogFromRows([...rows2024, ...rows2026]));
  app.fake.playlists.saved.push(...likedFromLaterExport(liked));
  await app.core.importer.importPaths([path.join(EXTENDED_DIR, FILE_2024)], { account: 'default' });
  return app;
}

/** The properties every generated list must have, checked against the store and the fake's own state. */
function checkList(app: PlaylistsApp, run: RunState, expectSize: number, minNew: number, earlier: RunState[]) {
  const history = historyOf(app);
  expect(run.status, run.error ?? '').to.equal('success');
  expect(run.tracks).to.have.length(expectSize);
  const perArtist = new Map<string, number>();
  for (const t of run.tracks) perArtist.set(lower(t.artist_name), (perArtist.get(lower(t.artist_name)) ?? 0) + 1);
  expect(Math.max(...perArtist.values()), 'at most 2 tracks per artist').to.be.at.most(2);
  const uris = run.tracks.map((t) => t.uri);
  expect(new Set(uris).size, 'no URI twice').to.equal(uris.length);
  const isrcs = run.tracks.map((t) => t.isrc).filter(Boolean);
  expect(new Set(isrcs).size, 'no ISRC twice').to.equal(isrcs.length);
  const names = run.tracks.map((t) => `${lower(t.artist_name)}|${lower(t.name)}`);
  expect(new Set(names).size, 'no artist + title twice').to.equal(names.length);
  const neverStreamed = run.tracks.filter((t) => !history.uris.has(t.uri!) && !history.names.has(`${lower(t.artist_name)}|${lower(t.name)}`));
  expect(neverStreamed.length, 'new share').to.be.at.least(minNew);
  expect(run.totals.new, 'totals.new counts the never-streamed tracks').to.equal(neverStreamed.length);
  for (const t of run.tracks) expect(history.skipped3.has(t.uri!), `${t.name} was skipped 3+ times`).to.equal(false);
  for (const e of earlier) {
    for (const t of e.tracks) expect(uris, `${t.name} came back within 60 days`).to.not.include(t.uri);
  }
  for (const t of run.tracks) expect(t.why, 'every track says why').to.match(/\w{3,}/);
}

describe('playlists: vibe playlists on the real imported history (fake Spotify, 2026 rules)', function () {
  this.timeout(120_000);

  describe('a sequence of daily runs', () => {
    let app: PlaylistsApp;
    const runs: RunState[] = [];
    before(async () => { app = await appWithHistory(); });
    after(async () => { await app?.close(); });

    it('makes a 30-track list with >= 30 % new tracks, <= 2 per artist, no duplicates and nothing skipped 3+ times', async () => {
      const run = await app.generate();
      checkList(app, run, 30, 9, []);
      runs.push(run);
      const sources = new Map(run.sources.map((s) => [s.source, s]));
      expect(sources.get('spotify_search')!.candidates).to.be.greaterThan(0);
      // Liked songs not streamed in the 60 days before now (the same song under another URI counts), by the test's own pass.
      const recent = new Set(rows2024.filter((r) => Date.parse(r.ts) >= app.clock.now() - 60 * DAY && r.master_metadata_track_name)
        .map((r) => `${lower(r.master_metadata_album_artist_name)}|${lower(r.master_metadata_track_name)}`));
      const likedNotPlayed = app.fake.playlists.saved.filter((s) => !recent.has(`${lower(s.track.artists[0].name)}|${lower(s.track.name)}`));
      expect(likedNotPlayed.length).to.be.lessThan(40, 'some liked songs were streamed lately under another URI');
      expect(sources.get('liked_not_played')!.candidates).to.equal(likedNotPlayed.length);
      expect(sources.get('rediscoveries')!.candidates).to.be.greaterThan(0);
      expect(sources.get('lastfm')!.status).to.equal('skipped');
      expect(run.exclusions.length).to.be.within(1, 20);
    });

    it('writes one private playlist through POST /me/playlists and PUT /playlists/{id}/items, in the list\'s order', () => {
      const playlists = [...app.fake.playlists.playlists.values()];
      expect(playlists).to.have.length(1);
      expect(playlists[0]!.items).to.deep.equal(runs[0]!.tracks.map((t) => t.uri));
      expect(playlists[0]!.public).to.equal(false);
      expect(playlists[0]!.name).to.equal(runs[0]!.name).and.to.match(/Fri 3 Jan/);
      expect(playlists[0]!.description).to.match(/2025-01-03 07:00/).and.to.match(/last 14 days/);
      expect(runs[0]!.spotify_url).to.equal(`https://open.spotify.com/playlist/${playlists[0]!.id}`);
    });

    it('the next day replaces the same playlist in place with a list that shares nothing with the first', async () => {
      app.clock.advance(DAY);
      const run = await app.generate();
      checkList(app, run, 30, 9, runs);
      runs.push(run);
      const playlists = [...app.fake.playlists.playlists.values()];
      expect(playlists, 'replace mode keeps one playlist').to.have.length(1);
      expect(playlists[0]!.items).to.deep.equal(run.tracks.map((t) => t.uri));
      expect(playlists[0]!.name).to.match(/Sat 4 Jan/);
      expect(run.spotify_playlist_id).to.equal(runs[0]!.spotify_playlist_id);
      const excluded = run.exclusions.map((e) => e.reason).join('\n');
      expect(excluded).to.match(/already in the vibe playlist of 2025-01-03/);
    });

    it('never calls a removed endpoint; searches with limit <= 10; writes at most 100 URIs per request', () => {
      const removed = app.fake.requests.filter((r) => REMOVED_ENDPOINTS.some((re) => re.test(r.path)));
      expect(removed).to.deep.equal([]);
      expect(app.fake.playlists.removedCalls).to.deep.equal([]);
      const searches = app.fake.requests.filter((r) => r.path === '/v1/search');
      expect(searches.length).to.be.greaterThan(0);
      for (const s of searches) expect(Number(s.query.limit)).to.be.at.most(10);
      expect(app.fake.playlists.writes.map((w) => `${w.method} ${w.path.replace(/playlists\/[^/]+/, 'playlists/{id}')}`)).to.deep.equal([
        'POST /v1/me/playlists', 'PUT /v1/playlists/{id}/items', 'PUT /v1/playlists/{id}/items', 'PUT /v1/playlists/{id}']);
    });

    it('search pages and liked songs are cached: a second run the same day asks Spotify for nothing but the write', async () => {
      const before = app.fake.requests.filter((r) => r.method === 'GET').length;
      app.clock.advance(60_000);
      const run = await app.generate({ dry_run: true });
      expect(run.status).to.equal('success');
      expect(app.fake.requests.filter((r) => r.method === 'GET').length).to.equal(before);
    });

    it('a dry run builds and explains the list but writes nothing to Spotify nor an M3U file', async () => {
      const writes = app.fake.playlists.writes.length;
      const items = [...app.fake.playlists.playlists.values()][0]!.items.slice();
      const run = await app.generate({ dry_run: true });
      expect(run.status).to.equal('success');
      expect(run.dry_run).to.equal(true);
      expect(run.tracks.length, 'two lists of 30 are excluded for 60 days: fewer candidates remain').to.be.within(10, 30);
      expect(run.notes.join(' ')).to.match(/Dry run: nothing was written/);
      expect(app.fake.playlists.writes.length, 'no write reached the fake').to.equal(writes);
      expect([...app.fake.playlists.playlists.values()][0]!.items).to.deep.equal(items);
      expect(existsSync(app.m3uDir)).to.equal(false);
    });

    it('learns from the listening after a playlist: hit rate and skip rate per run, skipped tracks penalised hard later', async () => {
      const first = runs[0]!;
      const start = first.ended_at!;
      const records = [
        ...first.tracks.slice(0, 3).map((t, i) => ({ uri: t.uri!, ms: 4_000, reason_end: 'fwdbtn', at: start + (i + 1) * 3_600_000 })),
        ...first.tracks.slice(3, 5).map((t, i) => ({ uri: t.uri!, ms: t.duration_ms ?? 200_000, reason_end: 'trackdone', at: start + (i + 5) * 3_600_000 })),
        { uri: first.tracks[6]!.uri!, ms: 60_000, reason_end: 'trackdone', at: start + 8 * DAY },
      ];
      await app.core.ingest.record(records.map((r) => {
        const t = first.tracks.find((x) => x.uri === r.uri)!;
        return { account: 'default', source: 'import-extended' as const, ended_at: r.at, ms_played: r.ms, reason_end: r.reason_end, skipped: r.ms < 30_000,
          track: { uri: t.uri, name: t.name, content: 'track' as const, artists: [{ spotify_id: null, name: t.artist_name! }], album: null, duration_ms: t.duration_ms, isrc: t.isrc } };
      }));
      const { feedback } = app.playlists.run(first.id);
      expect(feedback.hit_rate, '2 of 30 played >= 30 s within 7 days (the play on day 8 does not count)').to.equal(Math.round((2 / 30) * 1000) / 1000);
      expect(feedback.skip_rate).to.equal(Math.round((3 / 5) * 1000) / 1000);
      expect(feedback.final).to.equal(false);

      // 61 days later the first list may come back, except the three skipped from it.
      app.clock.advance(61 * DAY);
      const later = await app.generate({ dry_run: true });
      const skipped = first.tracks.slice(0, 3).map((t) => t.uri);
      for (const uri of skipped) expect(later.tracks.map((t) => t.uri)).to.not.include(uri);
      const back = later.tracks.filter((t) => first.tracks.slice(3).some((f) => f.uri === t.uri));
      expect(back.length, 'after 60 days the rest of the first list may come back').to.be.greaterThan(0);
      const view = app.playlists.view('default')!;
      expect(view.tracks).to.equal(30);
      expect(view.hit_rate, 'the sensor shows the newest playlist whose 7 days are over').to.be.a('number');
    });
  });

  it('mode "new" makes a new playlist every run', async () => {
    const app = await appWithHistory({ vibe_playlist_mode: 'new', vibe_playlist_size: 10 });
    try {
      await app.generate();
      app.clock.advance(DAY);
      await app.generate();
      expect(app.fake.playlists.playlists.size).to.equal(2);
      for (const p of app.fake.playlists.playlists.values()) expect(p.items).to.have.length(10);
    } finally { await app.close(); }
  });
});
