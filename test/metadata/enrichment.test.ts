import { expect } from 'chai';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { buildWorld, countryOfArea, type World } from '../support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz, type FakeListenBrainz, type FakeMusicBrainz } from '../support/fake-metabrainz.js';
import { buildMetadata, drained, historyRows, worldTracks } from '../support/metadata.js';
import type { Metadata } from '../../src/metadata/index.js';
import { expectedStats, perUri, resolvable, servedWeights, type NameOf } from './expected.js';

describe('metadata: the real extended history enriched through the fake ListenBrainz and MusicBrainz (with a token)', function () {
  this.timeout(120_000);
  const rows = historyRows();
  let world: World;
  let lb: FakeListenBrainz;
  let mb: FakeMusicBrainz;
  let core: Awaited<ReturnType<typeof buildCore>>;
  let metadata: Metadata;
  const all = () => ({ from: 0, to: Date.now() });
  let nameOf: NameOf;

  before(async () => {
    world = buildWorld(worldTracks(rows));
    lb = await startFakeListenBrainz(world);
    mb = await startFakeMusicBrainz(world, { intervalMs: 25 });
    core = await buildCore();
    const report = await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    expect(report.ok).to.equal(true);
    const names = new Map(core.store.sql.all<{ uri: string; title: string; artist: string }>(
      'SELECT t.uri AS uri, t.name AS title, a.name AS artist FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.content = 0').map((r) => [r.uri, r]));
    nameOf = (uri) => names.get(uri)!;
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, mbIntervalMs: 30 });
    metadata.start();
    await drained(metadata);
  });
  after(async () => { await metadata?.stop(); await core?.close(); await lb?.close(); await mb?.close(); });

  it('ends every music track resolved or not_found (with its reason), refusing ListenBrainz matches of another song', () => {
    const keys = new Map<string, string>();
    for (const r of rows) if (r.spotify_track_uri && r.master_metadata_track_name) keys.set(r.spotify_track_uri, world.keyOf(nameOf(r.spotify_track_uri).artist, nameOf(r.spotify_track_uri).title));
    const expectedResolved = [...keys.values()].filter((k) => resolvable(world, k)).length;
    const s = metadata.status();
    expect(s.tracks.pending + s.tracks.failed, 'nothing left pending or failed').to.equal(0);
    expect(s.tracks.resolved).to.equal(expectedResolved);
    expect(s.tracks.resolved + s.tracks.not_found).to.equal(keys.size);
    const reasons = Object.fromEntries(s.not_found_reasons.map((r) => [r.reason, r.tracks]));
    const decoyUris = [...keys.values()].filter((k) => world.decoys.has(k)).length;
    expect(reasons['ListenBrainz matched a recording with another title or artist']).to.equal(decoyUris);
    expect(reasons['ListenBrainz knows no recording by this artist and title']).to.equal(keys.size - expectedResolved - decoyUris);
    // A decoy was answered with Rick Astley; no track may carry that recording.
    const wrong = core.store.sql.get<{ n: number }>(`SELECT count(*) AS n FROM mb_queue q JOIN tracks t ON t.id = q.track_id JOIN mb_recordings r ON r.id = q.recording_id
      WHERE r.name = 'Never Gonna Give You Up' AND t.name != 'Never Gonna Give You Up'`)!.n;
    expect(wrong).to.equal(0);
    expect(core.health.state().status).to.equal('ok');
  });

  it('asks in bulk: 50 names per lookup, up to 1000 MBIDs per metadata and popularity call; MusicBrainz only for cities and regions, each area once', () => {
    const lookups = lb.requests.filter((r) => r.path === '/1/metadata/lookup/' && r.status === 200);
    for (const l of lookups) expect(l.names!.length).to.be.at.most(50);
    const distinctTracks = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM tracks WHERE content = 0')!.n;
    expect(lookups.length).to.equal(Math.ceil(distinctTracks / 50));
    const meta = lb.requests.filter((r) => r.path === '/1/metadata/recording/' && r.status === 200);
    const asked = meta.flatMap((r) => r.mbids!);
    expect(new Set(asked).size, 'no recording fetched twice').to.equal(asked.length);
    expect(meta.length).to.equal(Math.ceil(asked.length / 1000));
    const popularity = lb.requests.filter((r) => r.path === '/1/popularity/recording');
    expect(popularity.length).to.be.greaterThan(0);
    expect(mb.requests.filter((r) => r.path.startsWith('/ws/2/recording')), 'no MusicBrainz search with a token').to.have.length(0);
    const areaLookups = mb.requests.filter((r) => r.path.startsWith('/ws/2/area/') && r.status === 200).map((r) => r.path);
    expect(new Set(areaLookups).size, 'each area fetched once').to.equal(areaLookups.length);
    // Artists whose area is a country's name need no MusicBrainz request at all.
    const servedAreas = [...lb.served.recordings.values()].map((e: any) => e.artist?.artists?.[0]);
    const cityArtists = new Set(servedAreas.filter((a) => a?.area && !['United Kingdom', 'United States', 'Germany', 'Argentina', 'South Korea', 'Sweden'].includes(a.area)).map((a) => a.artist_mbid));
    const searched = mb.requests.filter((r) => r.path === '/ws/2/artist' && r.status === 200).flatMap((r) => r.mbids!);
    expect(new Set(searched)).to.deep.equal(cityArtists, 'each city/region artist is placed through a search of up to 100');
    expect(searched.length, 'each searched once').to.equal(cityArtists.size);
    expect(mb.requests.filter((r) => r.path.startsWith('/ws/2/artist/')), 'no one-by-one artist lookups').to.have.length(0);
    expect(mb.requests.filter((r) => r.status === 503).length, 'MusicBrainz never had to say "slow down"').to.equal(0);
  });

  it('top genres (plays and ms) equal a simple count over what the fake served, a play counting once per genre', () => {
    const { genres } = expectedStats(rows, world, lb, nameOf);
    const { items, coverage } = metadata.stats.topGenres(all(), 500, 'plays');
    const got = new Map(items.map((g) => [g.genre, { plays: g.plays, ms: g.ms_played }]));
    expect(Object.fromEntries(got)).to.deep.equal(Object.fromEntries(genres));
    expect(items.map((g) => g.rank)).to.deep.equal(items.map((_, i) => i + 1));
    for (let i = 1; i < items.length; i++) expect(items[i - 1]!.plays).to.be.at.least(items[i]!.plays);
    expect(items.every((g) => g.previous_rank === null), 'all time has no previous period').to.equal(true);
    const plays = perUri(rows, world, nameOf).reduce((s, t) => s + t.plays, 0);
    expect(coverage.plays).to.equal(plays);
    const byMs = metadata.stats.topGenres(all(), 3, 'ms').items;
    expect(byMs[0]!.ms_played).to.equal(Math.max(...[...genres.values()].map((g) => g.ms)));
  });

  it('countries equal a simple count: the artist area walked up to its ISO 3166-1 country', () => {
    const { countries } = expectedStats(rows, world, lb, nameOf);
    const { items } = metadata.stats.countries(all());
    expect(Object.fromEntries(items.map((c) => [c.country, { plays: c.plays, ms: c.ms_played, artists: c.artists }])))
      .to.deep.equal(Object.fromEntries([...countries].map(([k, v]) => [k, { plays: v.plays, ms: v.ms, artists: v.artists.size }])));
    expect(countryOfArea(world, 'Hebden Bridge')).to.equal('GB');
    expect(items.some((c) => c.country === 'XE'), 'Europe is not a country').to.equal(false);
    expect(items.every((c) => /^[A-Z]{2}$/.test(c.country))).to.equal(true);
  });

  it('gives each country its ISO 3166-1 numeric code, the key of a world map\'s shapes', () => {
    // ISO 3166-1 numeric codes of the fake world's countries (the standard's table, not the product's library).
    const iso: Record<string, string> = { GB: '826', US: '840', DE: '276', AR: '032', KR: '410', SE: '752' };
    const { items } = metadata.stats.countries(all());
    expect(items.length).to.be.greaterThan(0);
    for (const c of items) expect(c.country_numeric, c.country).to.equal(iso[c.country]);
  });

  it('eras equal a simple count by first release year, with the play-weighted mean year', () => {
    const { years, meanYear } = expectedStats(rows, world, lb, nameOf);
    const e = metadata.stats.eras(all());
    expect(Object.fromEntries(e.years.map((y) => [y.year, y.plays]))).to.deep.equal(Object.fromEntries(years));
    expect(e.mean_year).to.equal(meanYear);
    const decades = new Map<number, number>();
    for (const [y, n] of years) decades.set(Math.floor(y / 10) * 10, (decades.get(Math.floor(y / 10) * 10) ?? 0) + n);
    expect(Object.fromEntries(e.decades.map((d) => [d.decade, d.plays]))).to.deep.equal(Object.fromEntries(decades));
  });

  it('obscurity: shares below the listener thresholds and the median match the served popularity', () => {
    const listeners: { n: number; plays: number }[] = [];
    for (const t of perUri(rows, world, nameOf)) {
      if (!resolvable(world, t.key)) continue;
      const p = lb.served.popularity.get(world.byName.get(t.key)!.mbid);
      if (p) listeners.push({ n: p.listeners ?? 0, plays: t.plays });
    }
    const total = listeners.reduce((s, l) => s + l.plays, 0);
    const o = metadata.stats.obscurity(all(), 5);
    expect(o.coverage.plays_with_data).to.equal(total);
    for (const b of o.below) {
      const n = listeners.filter((l) => l.n < b.max_listeners).reduce((s, l) => s + l.plays, 0);
      expect(b.plays, `below ${b.max_listeners}`).to.equal(n);
    }
    listeners.sort((a, b) => a.n - b.n);
    let seen = 0;
    const median = listeners.find((l) => (seen += l.plays) * 2 >= total)!.n;
    expect(o.median_listeners).to.equal(median);
    expect(o.score).to.be.within(0, 100);
    expect(o.most_obscure[0]!.listeners).to.equal(listeners[0]!.n);
  });

  it('the genre timeline splits each month over its genres: shares sum to 1 and the plays match', () => {
    const { buckets, genres } = metadata.stats.genreTimeline(all(), 'month', 5);
    expect(genres).to.have.length(5);
    const monthPlays = new Map<string, number>();
    for (const r of rows) if (r.spotify_track_uri && r.ms_played >= 30_000) monthPlays.set(`${r.ts.slice(0, 7)}-01`, (monthPlays.get(`${r.ts.slice(0, 7)}-01`) ?? 0) + 1);
    for (const b of buckets) {
      expect(b.plays, b.start).to.equal(monthPlays.get(b.start));
      expect(b.shares).to.have.length(genres.length + 1, 'the named genres, then "other"');
      if (b.plays_with_genre > 0) expect(b.shares.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 0.001);
    }
    // The busiest month's share of the first genre, from the served votes: Σ weight over its plays / plays with genres.
    const busiest = [...buckets].sort((a, b) => b.plays - a.plays)[0]!;
    let weighted = 0; let withGenre = 0;
    for (const r of rows) {
      if (!r.spotify_track_uri || r.ms_played < 30_000 || `${r.ts.slice(0, 7)}-01` !== busiest.start) continue;
      const key = world.keyOf(nameOf(r.spotify_track_uri).artist, nameOf(r.spotify_track_uri).title);
      if (!resolvable(world, key)) continue;
      const w = servedWeights(lb.served.recordings.get(world.byName.get(key)!.mbid) as any);
      if (w.size === 0) continue;
      withGenre++;
      weighted += w.get(genres[0]!) ?? 0;
    }
    expect(busiest.plays_with_genre).to.equal(withGenre);
    expect(busiest.shares[0]).to.be.closeTo(weighted / withGenre, 0.0001);
  });

  it('a live play of a track with genres shows in the genre timeline at once (day rollup kept up by stream id); ranges not on day bounds read the streams', async () => {
    const row = core.store.sql.get<{ uri: string; name: string; artist: string }>(`SELECT t.uri AS uri, t.name AS name, a.name AS artist FROM mb_track_genres g
      JOIN tracks t ON t.id = g.track_id JOIN artists a ON a.id = t.artist_id LIMIT 1`)!;
    const at = Date.UTC(2026, 6, 15, 12);
    const before = metadata.stats.genreTimeline(all(), 'month', 5).buckets.find((b) => b.start === '2026-07-01');
    await core.ingest.record([{ account: 'default', source: 'poll', ended_at: at, ms_played: 200_000,
      track: { uri: row.uri, name: row.name, content: 'track', artists: [{ spotify_id: null, name: row.artist }], album: null, duration_ms: 200_000, isrc: null } }]);
    const after = metadata.stats.genreTimeline(all(), 'month', 5).buckets.find((b) => b.start === '2026-07-01')!;
    expect(after.plays).to.equal((before?.plays ?? 0) + 1);
    expect(after.plays_with_genre).to.equal((before?.plays_with_genre ?? 0) + 1);
    const exact = metadata.stats.genreTimeline({ from: at - 1000, to: at + 1000 }, 'month', 5).buckets;
    expect(exact).to.have.length(1);
    expect(exact[0]!.plays_with_genre).to.equal(1);
    expect(exact[0]!.shares.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 0.001);
  });

  it('gives Cover Art Archive URLs from the served caa ids, and none where the Archive has no art', () => {
    const withArt = [...world.recordings.values()].find((r) => r.release.caa_id !== null && resolvable(world, world.keyOf(r.artist.name, r.title)))!;
    const track = core.store.sql.get<{ id: number }>(`SELECT t.id FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.name = ? AND a.name = ?`, [withArt.title, withArt.artist.name])!;
    expect(metadata.coverArtUrl({ track_id: track.id })).to.equal(`http://127.0.0.1:9/caa/release/${withArt.release.caa_release_mbid}/${withArt.release.caa_id}-500.jpg`);
    expect(metadata.coverArtUrl({ track_id: track.id }, 250)).to.match(/-250\.jpg$/);
    const noArt = [...world.recordings.values()].find((r) => r.release.caa_id === null && resolvable(world, world.keyOf(r.artist.name, r.title)))!;
    const other = core.store.sql.get<{ id: number }>(`SELECT t.id FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.name = ? AND a.name = ?`, [noArt.title, noArt.artist.name])!;
    expect(metadata.coverArtUrl({ track_id: other.id })).to.equal(null);
  });

  it('resolving and fetching everything again duplicates nothing and changes no statistic', async () => {
    const tables = ['mb_queue', 'mb_recordings', 'mb_release_groups', 'mb_artists', 'mb_recording_artists', 'mb_tags', 'mb_tag_counts', 'mb_track_genres', 'mb_track_countries', 'mb_track_facts'];
    const count = () => Object.fromEntries(tables.map((t) => [t, core.store.sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)!.n]));
    const before = { rows: count(), genres: metadata.stats.topGenres(all(), 500, 'plays').items, countries: metadata.stats.countries(all()).items };
    await core.store.exclusive(() => core.store.transaction(() => {
      core.store.sql.exec('UPDATE mb_queue SET state = 0, step = 1, retry_at = NULL');
      core.store.sql.exec('UPDATE mb_recordings SET meta_state = 0');
      core.store.sql.exec('UPDATE mb_release_groups SET meta_state = 0');
    }));
    metadata.wake();
    await drained(metadata);
    expect(count()).to.deep.equal(before.rows);
    expect(metadata.stats.topGenres(all(), 500, 'plays').items).to.deep.equal(before.genres);
    expect(metadata.stats.countries(all()).items).to.deep.equal(before.countries);
  });

  it('dropping every metadata table loses no stream', async () => {
    const summary = core.stats.summary(all());
    await metadata.stop();
    await core.store.exclusive(() => core.store.transaction(() => {
      for (const t of core.store.sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mb\\_%' ESCAPE '\\'")) core.store.sql.exec(`DROP TABLE ${t.name}`);
    }));
    expect(core.stats.summary(all())).to.deep.equal(summary);
  });
});
