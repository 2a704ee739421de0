import { expect } from 'chai';
import { setImmediate as tick } from 'node:timers/promises';
import { buildCore, importRecords, stream, track } from '../support/core.js';
import { buildWorld, type World } from '../support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz, type FakeListenBrainz, type FakeMusicBrainz } from '../support/fake-metabrainz.js';
import { buildMetadata, drained, historyRows, worldTracks } from '../support/metadata.js';
import { freePort, tempDir, waitFor } from '../support/helpers.js';
import { fixture } from '../support/fixtures.js';
import { toTrackInfo, trackSchema } from '../../src/spotify/parse.js';
import type { Metadata } from '../../src/metadata/index.js';
import type { IncomingStream } from '../../src/types.js';

/** The first `n` distinct tracks of the real export, as import records (plays, one each, a minute apart). */
function sample(n: number): IncomingStream[] {
  const seen = new Set<string>();
  const out: IncomingStream[] = [];
  for (const r of historyRows()) {
    if (!r.spotify_track_uri || !r.master_metadata_track_name || seen.has(r.spotify_track_uri)) continue;
    seen.add(r.spotify_track_uri);
    out.push({ account: 'default', source: 'import-extended', ended_at: Date.parse(r.ts), ms_played: Math.max(30_000, r.ms_played),
      track: { uri: r.spotify_track_uri, name: r.master_metadata_track_name, content: 'track', duration_ms: null, isrc: null,
        artists: [{ spotify_id: null, name: r.master_metadata_album_artist_name! }],
        album: r.master_metadata_album_album_name ? { spotify_id: null, name: r.master_metadata_album_album_name, image_url: null } : null } });
    if (out.length === n) break;
  }
  return out;
}

/** Tracks the world resolves (known, not a decoy) among records. */
function resolvableCount(world: World, records: IncomingStream[]): number {
  return records.filter((r) => world.byName.has(world.keyOf(r.track.artists[0]!.name, r.track.name)) && !world.decoys.has(world.keyOf(r.track.artists[0]!.name, r.track.name))).length;
}

describe('metadata: the bad days (faults, rate limits, no token, offline, restarts)', function () {
  this.timeout(120_000);
  const records = sample(120);
  const world = buildWorld(records.map((r) => ({ artist: r.track.artists[0]!.name, title: r.track.name, album: r.track.album?.name ?? null })));
  let lb: FakeListenBrainz;
  let mb: FakeMusicBrainz;
  let core: Awaited<ReturnType<typeof buildCore>>;
  let metadata: Metadata | null;

  beforeEach(async () => {
    lb = await startFakeListenBrainz(world);
    mb = await startFakeMusicBrainz(world, { intervalMs: 25 });
    core = await buildCore();
    metadata = null;
  });
  afterEach(async () => { await metadata?.stop(); await core.close(); await lb.close(); await mb.close(); });

  it('without a token searches MusicBrainz one track per interval (never a 503), resolves the same tracks, and says how much faster a token is', async () => {
    await importRecords(core, records.slice(0, 40));
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, token: null, mbIntervalMs: 30 });
    const first = metadata.status();
    expect(first.token).to.equal('none');
    expect(first.message).to.match(/one per second/).and.to.match(/ListenBrainz token/);
    expect(first.estimate_s.now).to.equal(Math.round(40 * 0.03), 'one search per track at the (test) interval');
    metadata.start();
    await drained(metadata);
    const s = metadata.status();
    expect(s.tracks.resolved).to.equal(resolvableCount(world, records.slice(0, 40)) + records.slice(0, 40).filter((r) => world.decoys.has(world.keyOf(r.track.artists[0]!.name, r.track.name))).length,
      'MusicBrainz search has no decoys: every known track resolves');
    expect(lb.requests.filter((r) => r.path === '/1/metadata/lookup/' || r.path === '/1/popularity/recording'), 'token endpoints are never called without a token').to.have.length(0);
    const searches = mb.requests.filter((r) => r.path === '/ws/2/recording');
    const distinctNames = new Set(records.slice(0, 40).map((r) => `${r.track.artists[0]!.name}|${r.track.name}`.toLowerCase())).size;
    expect(searches, 'one search per distinct artist + title (two URIs of one song share it)').to.have.length(distinctNames);
    expect(mb.requests.filter((r) => r.status === 503)).to.have.length(0);
    const times = mb.requests.map((r) => r.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `gap before request ${i}`).to.be.at.least(25);
  });

  it('a refused token is reported with what to do, and the lookups go on at MusicBrainz', async () => {
    await importRecords(core, records.slice(0, 20));
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, token: 'not-a-valid-token' });
    metadata.start();
    await drained(metadata);
    const problem = core.health.state().problems.find((p) => p.id === 'metadata.token');
    expect(problem?.message).to.match(/ListenBrainz refused the token/).and.to.match(/listenbrainz_token/);
    expect(metadata.status().token).to.equal('refused');
    expect(metadata.status().tracks.resolved + metadata.status().tracks.not_found).to.equal(20);
    expect(mb.requests.filter((r) => r.path === '/ws/2/recording').length)
      .to.equal(new Set(records.slice(0, 20).map((r) => `${r.track.artists[0]!.name}|${r.track.name}`.toLowerCase())).size);
  });

  it('timeouts, 5xx, malformed JSON and unknown MBIDs slow it down but every track still ends resolved or not_found', async () => {
    await importRecords(core, records);
    lb.fault('/1/metadata/lookup/', { status: 500 }, 2);
    lb.fault('/1/metadata/lookup/', { hangMs: 1_500 });
    lb.fault('/1/metadata/recording/', { malformed: true });
    lb.fault('/1/metadata/release_group/', { status: 502 });
    const unknown = [...world.recordings.values()].slice(0, 5).map((r) => r.mbid);
    for (const m of unknown) lb.unknownMbids.add(m);
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, timeoutS: 1 });
    metadata.start();
    await drained(metadata);
    const s = metadata.status();
    expect(s.tracks.pending + s.tracks.failed).to.equal(0);
    expect(s.tracks.resolved).to.equal(resolvableCount(world, records));
    expect(s.services.listenbrainz.backoff_wait_ms, 'the faults were retried after back-off').to.be.greaterThan(0);
    const unknownState = core.store.sql.all<{ meta_state: number }>(`SELECT meta_state FROM mb_recordings WHERE mbid IN (${unknown.map(() => '?').join(',')})`, unknown);
    for (const r of unknownState) expect(r.meta_state, 'unknown to ListenBrainz: asked again in a month, never guessed').to.equal(2);
    const genresOfUnknown = core.store.sql.get<{ n: number }>(`SELECT count(*) AS n FROM mb_track_genres g JOIN mb_queue q ON q.track_id = g.track_id
      JOIN mb_recordings r ON r.id = q.recording_id WHERE r.mbid IN (${unknown.map(() => '?').join(',')})`, unknown)!.n;
    expect(genresOfUnknown).to.equal(0);
    expect(core.health.state().status, 'problems are cleared once the service answers again').to.equal('ok');
  });

  it('a rate-limit storm slows the job and loses nothing; every wait is counted', async () => {
    await importRecords(core, records);
    lb.storm(4);
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url });
    metadata.start();
    await drained(metadata);
    const s = metadata.status();
    expect(s.tracks.resolved).to.equal(resolvableCount(world, records));
    expect(s.tracks.failed).to.equal(0);
    expect(s.services.listenbrainz.rate_limited).to.equal(4);
    expect(s.services.listenbrainz.rate_limit_wait_ms).to.be.at.least(4 * 900);
    expect(lb.requests.filter((r) => r.status === 429)).to.have.length(4);
  });

  it('honours X-RateLimit-Remaining: 0 by waiting X-RateLimit-Reset-In before the next request (no 429)', async () => {
    await importRecords(core, records);
    lb.state.limit = 2;
    lb.state.windowMs = 1_000;
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url });
    metadata.start();
    await drained(metadata);
    expect(lb.requests.filter((r) => r.status === 429)).to.have.length(0);
    expect(metadata.status().services.listenbrainz.rate_limit_wait_ms).to.be.greaterThan(0);
  });

  it('offline: it waits and says so, then resumes by itself when the service is back', async () => {
    await importRecords(core, records.slice(0, 30));
    const port = await freePort();
    metadata = buildMetadata(core, { lbUrl: `http://127.0.0.1:${port}`, mbUrl: mb.url, laneBackoffMs: 200 });
    metadata.start();
    await waitFor(() => metadata!.status().state === 'offline', { what: 'offline state' });
    const problem = core.health.state().problems.find((p) => p.id === 'metadata.listenbrainz');
    expect(problem?.message).to.match(/ListenBrainz cannot be reached/).and.to.match(/resume by themselves/);
    expect(problem?.message).to.not.match(/ECONNREFUSED|127\.0\.0\.1|\//, 'no internal detail in the sentence');
    expect(metadata.status().tracks.failed, 'being offline is not the tracks\' fault').to.equal(0);
    const back = await startFakeListenBrainz(world, { port });
    try {
      await drained(metadata);
      expect(metadata.status().tracks.resolved).to.equal(resolvableCount(world, records.slice(0, 30)));
      expect(core.health.has('metadata.listenbrainz')).to.equal(false);
    } finally { await metadata.stop(); await back.close(); }
  });

  it('an artist the MusicBrainz search index misses is looked up alone and still placed in its country', async () => {
    await importRecords(core, records);
    const city = [...world.artists.values()].filter((a) => a.area === 'Hebden Bridge' || a.area === 'Bristol');
    expect(city.length, 'the sample has artists from cities').to.be.greaterThan(1);
    mb.state.notIndexed.add(city[0]!.mbid);
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url });
    metadata.start();
    await drained(metadata);
    expect(mb.requests.filter((r) => r.path === `/ws/2/artist/${city[0]!.mbid}`)).to.have.length(1);
    expect(core.store.sql.get<{ country: string }>('SELECT country FROM mb_artists WHERE mbid = ?', [city[0]!.mbid])!.country).to.equal('GB');
  });

  it('metadata_enrichment off: no request leaves, whatever is played or imported', async () => {
    await importRecords(core, records.slice(0, 10));
    metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, enabled: false });
    metadata.start();
    await core.ingest.record([stream(1, Date.now(), { track: track(1, { isrc: 'GBAHS1400099' }) })]);
    await tick();
    expect(lb.requests.length + mb.requests.length).to.equal(0);
    expect(metadata.status().state).to.equal('disabled');
    expect(metadata.status().message).to.match(/metadata_enrichment/);
  });

  it('a live play with an ISRC (external_ids.isrc kept from the Spotify track object) resolves by ISRC at MusicBrainz first', async () => {
    const spotifyTrack = trackSchema.parse(fixture('api/java_track.json'));
    const info = toTrackInfo(spotifyTrack);
    expect(info.isrc).to.equal(fixture('api/java_track.json').external_ids.isrc);
    const isrcWorld = buildWorld([{ artist: info.artists[0]!.name, title: info.name, album: info.album?.name ?? null, isrc: info.isrc, duration_ms: info.duration_ms }], { unknownEvery: 1000 });
    const mbIsrc = await startFakeMusicBrainz(isrcWorld, { intervalMs: 25 });
    const lbIsrc = await startFakeListenBrainz(isrcWorld);
    try {
      metadata = buildMetadata(core, { lbUrl: lbIsrc.url, mbUrl: mbIsrc.url });
      metadata.start();
      const updated = core.bus.next('metadata.updated');
      await core.ingest.record([{ account: 'default', source: 'poll', ended_at: Date.now(), ms_played: info.duration_ms!, track: info }]);
      expect(core.store.sql.get<{ isrc: string }>('SELECT isrc FROM tracks WHERE uri = ?', [info.uri])!.isrc).to.equal(info.isrc);
      await updated;
      await drained(metadata);
      const row = core.store.sql.get<{ method: number; mbid: string }>(`SELECT q.method AS method, r.mbid AS mbid FROM mb_queue q JOIN mb_recordings r ON r.id = q.recording_id
        JOIN tracks t ON t.id = q.track_id WHERE t.uri = ?`, [info.uri])!;
      expect(row.method).to.equal(1);
      expect(row.mbid).to.equal(isrcWorld.byIsrc.get(info.isrc!)![0]!.mbid);
      expect(mbIsrc.requests.map((r) => r.path)).to.include(`/ws/2/isrc/${info.isrc}`);
      expect(lbIsrc.requests.filter((r) => r.path === '/1/metadata/lookup/'), 'no name lookup needed').to.have.length(0);
      expect(metadata.genresOfUri(info.uri)).to.be.an('array');
    } finally { await metadata?.stop(); metadata = null; await mbIsrc.close(); await lbIsrc.close(); }
  });
});

describe('metadata: a restart mid-queue', function () {
  this.timeout(120_000);
  it('resumes from the store without asking again for anything already stored', async () => {
    const records = sample(300);
    const world = buildWorld(worldTracks(historyRows()));
    const lb = await startFakeListenBrainz(world);
    const mb = await startFakeMusicBrainz(world, { intervalMs: 25 });
    const tmp = await tempDir();
    try {
      let core = await buildCore({ dataDir: tmp.dir });
      await importRecords(core, records);
      let metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url, lbIntervalMs: 150 });
      metadata.start();
      await waitFor(() => lb.requests.filter((r) => r.path === '/1/metadata/lookup/' && r.status === 200).length >= 3, { what: 'three lookups' });
      await metadata.stop();
      await core.close();
      const firstRun = lb.requests.length;

      core = await buildCore({ dataDir: tmp.dir });
      const stored = new Set(core.store.sql.all<{ name: string; artist: string }>(`SELECT t.name AS name, a.name AS artist FROM mb_queue q JOIN tracks t ON t.id = q.track_id
        JOIN artists a ON a.id = t.artist_id WHERE q.state IN (1, 2)`).map((r) => `${r.artist}|${r.name}`));
      const fetched = new Set(core.store.sql.all<{ mbid: string }>('SELECT mbid FROM mb_recordings WHERE meta_state != 0').map((r) => r.mbid));
      expect(stored.size, 'the first run stored some lookups').to.be.greaterThan(0);
      expect(stored.size, '… but not all').to.be.below(300);
      metadata = buildMetadata(core, { lbUrl: lb.url, mbUrl: mb.url });
      metadata.start();
      await drained(metadata);
      const second = lb.requests.slice(firstRun);
      const askedAgain = second.filter((r) => r.path === '/1/metadata/lookup/').flatMap((r) => r.names ?? []).filter((n) => stored.has(n));
      expect(askedAgain, 'stored lookups are not asked again').to.deep.equal([]);
      const refetched = second.filter((r) => r.path === '/1/metadata/recording/').flatMap((r) => r.mbids ?? []).filter((m) => fetched.has(m));
      expect(refetched, 'stored recordings are not fetched again').to.deep.equal([]);
      const s = metadata.status();
      expect(s.tracks.resolved + s.tracks.not_found).to.equal(300);
      await metadata.stop();
      await core.close();
    } finally { await lb.close(); await mb.close(); await tmp.remove(); }
  });
});
