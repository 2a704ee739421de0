import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createScrobble, type Scrobble } from '../../src/scrobble/index.js';
import { buildCore, stream, track } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';
import { startFakeListenBrainz, type FakeListenBrainz } from '../support/fake-listenbrainz.js';
import { validateSubmission } from '../support/listenbrainz-rules.js';
import type { NowPlaying } from '../../src/types.js';

const T0 = Date.UTC(2026, 0, 10, 18);
/** A live play of track n (poller), ended `minutes` after T0. */
const play = (n: number, minutes: number, extra = {}) => stream(n, T0 + minutes * 60_000, { ms_played: 200_000, ...extra });

describe('scrobble: plays out to a ListenBrainz-compatible server through the outbox', function () {
  this.timeout(60_000);
  let fake: FakeListenBrainz;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let core: Awaited<ReturnType<typeof buildCore>>;
  let scrobble: Scrobble | null = null;
  beforeEach(async () => { fake = await startFakeListenBrainz(); tmp = await tempDir(); core = await buildCore({ dataDir: path.join(tmp.dir, 'data') }); });
  afterEach(async () => { await scrobble?.stop(); scrobble = null; await core.close(); await fake.close(); await tmp.remove(); });

  function start(options: Record<string, unknown> = {}) {
    scrobble = createScrobble({ options: { scrobble_url: fake.url, scrobble_token: 'token-rob', scrobble_backfill: false, listenbrainz_api_url: fake.url,
      listenbrainz_poll_interval_s: 3600, http_timeout_s: 1, ...options }, store: core.store, ingest: core.ingest, bus: core.bus, log: quietLogger(),
    health: core.health, accounts: ['default'], version: 'test', backoffBaseMs: 100 });
    return scrobble;
  }
  const arrived = () => [...fake.stored.values()].sort((a, b) => a.listened_at - b.listened_at);

  it('sends every new play once as listen_type single (start time, ListenBrainz-valid); never history, skips or plays under half the track', async () => {
    await core.ingest.record([play(1, 0)]); // before scrobbling was turned on: history, not sent
    await start().start();
    await core.ingest.record([play(2, 10), play(3, 14, { ms_played: 8_000, reason_end: 'fwdbtn' }),
      play(4, 20, { ms_played: 90_000 }), play(5, 30, { ms_played: 300_000, track: track(5, { duration_ms: 600_000 }) })]);
    await core.ingest.record([play(6, 40)]);
    await waitFor(() => fake.stored.size === 3, { what: 'three listens stored' });
    // 2 (full play), 5 (300 s of a 600 s track: half), 6; not 3 (a skip) nor 4 (90 s of 200 s: under half and under 4 min).
    expect(arrived().map((l) => l.track_name)).to.deep.equal(['Song 2', 'Song 5', 'Song 6']);
    expect(arrived().map((l) => l.listened_at)).to.deep.equal([10, 30, 40].map((m) => Math.floor((T0 + m * 60_000 - [200_000, 300_000, 200_000][[10, 30, 40].indexOf(m)]!) / 1000)));
    expect(fake.submissions.every((s) => s.type === 'single' && s.status === 200)).to.equal(true);
    for (const s of fake.submissions) expect(validateSubmission(s.body)).to.include({ ok: true });
    await waitFor(() => scrobble!.status().pending === 0 && scrobble!.status().sent === 3, { what: 'outbox empty' });
  });

  it('after a 429 waits as long as X-RateLimit-Reset-In says, then sends', async () => {
    fake.fault({ status: 429, resetInS: 2 });
    await start().start();
    await core.ingest.record([play(2, 10)]);
    await waitFor(() => fake.stored.size === 1, { what: 'stored after the rate limit', timeoutMs: 15_000 });
    const [limited, ok] = fake.submissions;
    expect(limited!.status).to.equal(429);
    expect(ok!.status).to.equal(200);
    expect(ok!.at - limited!.at).to.be.at.least(1900);
  });

  it('backs off on 500s and timeouts, loses nothing, and the server keeps each listen once', async () => {
    fake.fault({ status: 500 }, { status: 503 }, { delayMs: 1500 }, { status: 500 });
    await start().start();
    await core.ingest.record([play(2, 10), play(3, 20)]);
    await waitFor(() => core.health.state().problems.some((p) => p.id === 'scrobble'), { what: 'the problem shown after 3 failures' });
    await waitFor(() => fake.stored.size === 2 && scrobble!.status().sent === 2, { what: 'both stored', timeoutMs: 20_000 });
    expect(fake.submissions.map((s) => s.status).slice(0, 4)).to.deep.equal([500, 503, 200, 500]);
    const gaps = fake.submissions.slice(1, 4).map((s, i) => s.at - fake.submissions[i]!.at);
    expect(gaps[0]).to.be.at.least(90); expect(gaps[1]).to.be.at.least(190);
    expect(core.health.state().problems.some((p) => p.id === 'scrobble')).to.equal(false, 'cleared once the server answers');
  });

  it('a refused token stops sending and asks for a new one (health, status); nothing is marked sent', async () => {
    await start({ scrobble_token: 'revoked' }).start();
    await core.ingest.record([play(2, 10), play(3, 20)]);
    await waitFor(() => scrobble!.status().state === 'needs_token', { what: 'needs_token' });
    const problem = core.health.state().problems.find((p) => p.id === 'scrobble')!;
    expect(problem.code).to.equal('LISTENBRAINZ_AUTH');
    expect(problem.message).to.match(/scrobble_token/);
    await core.ingest.record([play(4, 30)]);
    expect(fake.submissions.filter((s) => s.status === 401)).to.have.length(1);
    expect(scrobble!.status()).to.include({ pending: 3, sent: 0 });
  });

  it('numbers its status snapshots, so a backfill answer that arrives after the pushes it raced is known as the older one', async () => {
    await core.ingest.record([play(2, 10), play(3, 20)]);
    await start({ scrobble_token: 'revoked' }).start();
    const pushed: { state: string; revision: number }[] = [];
    const off = core.bus.on('scrobble.status', 'test', (s) => { pushed.push(s); });
    try {
      const answer = await scrobble!.backfill(0, Date.now(), null);
      await waitFor(() => pushed.some((s) => s.state === 'needs_token'), { what: 'needs_token pushed' });
      const refused = pushed.find((s) => s.state === 'needs_token')!;
      expect(answer.state, 'answered before the sender woke').to.not.equal('needs_token');
      expect(refused.revision, 'the push after the answer has the higher revision').to.be.greaterThan(answer.revision);
      const revisions = pushed.map((s) => s.revision);
      expect(revisions, 'pushes in the order they were taken').to.deep.equal([...revisions].sort((a, b) => a - b));
    } finally { off(); }
  });

  it('backfills stored history as import batches of at most 1000 ListenBrainz-valid listens, each play once', async () => {
    const file = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
    await core.importer.importPaths([file], { account: 'default' });
    const rows = JSON.parse(readFileSync(file, 'utf8')) as any[];
    const plays = rows.filter((r) => r.spotify_track_uri && r.ms_played >= 30_000 && r.master_metadata_album_artist_name).length;
    await start().start();
    const status = await scrobble!.backfill(0, Date.now(), null);
    expect(status.backfill_pending).to.equal(plays);
    await waitFor(() => scrobble!.status().backfill_pending === 0, { what: 'backfill done', timeoutMs: 30_000 });
    const imports = fake.submissions.filter((s) => s.type === 'import');
    expect(imports.length).to.equal(Math.ceil(plays / 1000));
    for (const s of imports) {
      expect(s.count).to.be.at.most(1000);
      expect(validateSubmission(s.body)).to.include({ ok: true });
      for (const l of JSON.parse(s.body).payload) expect(Buffer.byteLength(JSON.stringify(l))).to.be.at.most(10_240);
    }
    expect(imports.reduce((a, s) => a + s.count, 0)).to.equal(plays);
    // Asking again sends nothing twice.
    await scrobble!.backfill(0, Date.now(), null);
    expect(scrobble!.status().backfill_pending).to.equal(0);
  });

  it('sends playing_now when the player starts a track, once per track', async () => {
    await start().start();
    const np: NowPlaying = { account: 'default', active: true, is_playing: true, idle_reason: null, content: 'track', track_uri: 'spotify:track:4uLU6hMCjMI75M1A2tKUQC',
      track_name: 'Never Gonna Give You Up', artists: ['Rick Astley'], album_name: 'Whenever You Need Somebody', album_art_url: null, duration_ms: 213_573,
      progress_ms: 1000, device_name: 'Kitchen', device_type: 'Speaker', context_uri: null, shuffle: false, repeat: 'off', started_at: T0, observed_at: T0 };
    core.bus.emit('nowplaying.changed', np);
    core.bus.emit('nowplaying.changed', { ...np, progress_ms: 16_000 });
    await waitFor(() => fake.playingNow.has('rob'), { what: 'playing_now stored' });
    expect(fake.submissions.filter((s) => s.type === 'playing_now')).to.have.length(1);
    expect(fake.playingNow.get('rob').track_metadata.artist_name).to.equal('Rick Astley');
  });

  it('survives a restart: marks are journaled, so nothing is sent again and nothing pending is lost', async () => {
    await start().start();
    await core.ingest.record([play(2, 10)]);
    await waitFor(() => scrobble!.status().sent === 1, { what: 'first sent' });
    await scrobble!.stop(); scrobble = null;
    fake.fault({ status: 500 });
    await core.ingest.record([play(3, 20)]);
    await core.close();
    for (const f of ['vibescope.db', 'vibescope.db.prev']) await import('node:fs/promises').then((fs) => fs.rm(path.join(tmp.dir, 'data', f), { force: true }));
    core = await buildCore({ dataDir: path.join(tmp.dir, 'data') }); // from the journal alone
    await start().start();
    await waitFor(() => fake.stored.size === 2, { what: 'the pending play sent after the restart' });
    expect(fake.submissions.filter((s) => s.status === 200)).to.have.length(2, 'the first play was not sent again');
  });
});

describe('scrobble: the ListenBrainz live source', function () {
  this.timeout(60_000);
  let fake: FakeListenBrainz;
  let core: Awaited<ReturnType<typeof buildCore>>;
  let scrobble: Scrobble;
  beforeEach(async () => { fake = await startFakeListenBrainz(); core = await buildCore(); });
  afterEach(async () => { await scrobble.stop(); await core.close(); await fake.close(); });

  it('records listens from outside Spotify, merges the ones that are Spotify plays, and reads only what is new', async () => {
    const recent = Date.now() - 3 * 3600_000;
    await core.ingest.record([stream(1, recent, { ms_played: 200_000, track: track(1, { name: 'Golden Brown', artists: [{ spotify_id: null, name: 'The Stranglers' }] }) })]);
    fake.external.set('rob', [
      // ListenBrainz's own Spotify reader: listened_at = Spotify's played_at (the end).
      { listened_at: Math.floor(recent / 1000), track_metadata: { artist_name: 'The Stranglers', track_name: 'Golden Brown',
        additional_info: { music_service: 'spotify.com', submission_client: 'listenbrainz', duration_ms: 200_000, spotify_id: 'https://open.spotify.com/track/t1' } } },
      // Jellyfin (start-stamped), twice, an hour apart.
      ...[2, 1].map((h) => ({ listened_at: Math.floor((Date.now() - h * 3600_000) / 1000), track_metadata: { artist_name: 'Portishead', track_name: 'Roads',
        additional_info: { duration_ms: 305_000, submission_client: 'Jellyfin' } } })),
    ]);
    scrobble = createScrobble({ options: { scrobble_backfill: false, listenbrainz_user: 'rob', listenbrainz_api_url: fake.url, listenbrainz_poll_interval_s: 3600,
      http_timeout_s: 2 }, store: core.store, ingest: core.ingest, bus: core.bus, log: quietLogger(), accounts: ['default'], version: 'test' });
    expect(await scrobble.pollNow()).to.equal(2);
    const rows = core.store.sql.all<{ sources: number; name: string }>('SELECT s.sources, t.name FROM streams s JOIN tracks t ON t.id = s.track_id ORDER BY s.ended_at');
    expect(rows.map((r) => r.name)).to.deep.equal(['Golden Brown', 'Roads', 'Roads']);
    expect(rows[0]!.sources).to.equal(1 | 16, 'the Spotify play kept, with ListenBrainz as its second source');
    expect(await scrobble.pollNow()).to.equal(0, 'nothing new on the next poll');
    expect(scrobble.status().live_source).to.include({ user: 'rob', last_error: null });
  });

  it('says so when ListenBrainz knows no such user', async () => {
    scrobble = createScrobble({ options: { scrobble_backfill: false, listenbrainz_user: 'nobody', listenbrainz_api_url: fake.url, listenbrainz_poll_interval_s: 3600,
      http_timeout_s: 2 }, store: core.store, ingest: core.ingest, bus: core.bus, health: core.health, log: quietLogger(), accounts: ['default'], version: 'test' });
    await scrobble.pollNow();
    expect(core.health.state().problems.find((p) => p.id === 'listenbrainz')?.message).to.match(/knows no user "nobody"/);
  });
});
