import { expect } from 'chai';
import { buildSpotifyApp } from '../support/spotify-app.js';
import { fixture } from '../support/fixtures.js';
import { playerState, trackObject } from '../support/fake-spotify.js';

describe('spotify: history poller and player watcher through ingest', function () {
  this.timeout(20_000);
  let app: Awaited<ReturnType<typeof buildSpotifyApp>>;
  beforeEach(async () => { app = await buildSpotifyApp(); await app.connect(); });
  afterEach(async () => { await app.close(); });

  const count = () => app.core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;

  it('records real recently-played items as plays, stores their tracks, albums and artists, and moves the cursor', async () => {
    const real = fixture('api/zmb3_recently-played.json').items as any[];
    app.fake.state.recent = real.map((i) => ({ track: i.track, played_at: i.played_at, context: i.context }));
    await app.spotify.syncNow('default');
    expect(count()).to.equal(real.length);
    const expectedPlays = real.filter((i) => i.track.duration_ms >= 30_000).length;
    expect(app.core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(expectedPlays);
    const first = real[0].track;
    const stored = app.core.store.sql.get<{ name: string; artist: string; album: string }>(`SELECT t.name, ar.name AS artist, al.name AS album
      FROM tracks t JOIN artists ar ON ar.id = t.artist_id JOIN albums al ON al.id = t.album_id WHERE t.uri = ?`, [first.uri])!;
    expect(stored).to.deep.equal({ name: first.name, artist: first.artists[0].name, album: first.album.name });
    const cursor = app.tokens.account('default').cursor_after!;
    expect(cursor).to.equal(Math.max(...real.map((i) => Date.parse(i.played_at))));
    await app.spotify.syncNow('default');
    const last = app.fake.requests.filter((r) => r.path === '/v1/me/player/recently-played').at(-1)!;
    expect(Number(last.query.after)).to.equal(cursor);
    expect(count()).to.equal(real.length, 'polling again adds nothing');
  });

  it('records a play seen by both the watcher and the poller as one stream', async () => {
    const now = Date.now();
    const a = trackObject(11, 60_000, 'Both');
    const b = trackObject(12, 200_000, 'Next');
    app.fake.state.player = playerState(a, 50_000);
    await app.spotify.syncNow('default');
    app.fake.state.player = playerState(b, 2_000);
    await new Promise((r) => setTimeout(r, 50));
    app.fake.state.recent = [{ track: a, played_at: new Date(now + 8_000).toISOString() }];
    await app.spotify.syncNow('default');
    const rows = app.core.stats.streams({ from: 0, to: Date.now() + 60_000, limit: 10 }).streams;
    const both = rows.filter((r) => r.track_name === 'Both');
    expect(both).to.have.length(1);
    expect(both[0]!.sources).to.deep.equal(['player', 'poll']);
    expect(both[0]!.kind).to.equal('play');
  });

  it('records a skip seen only by the watcher (recently-played never shows it) and announces it', async () => {
    const a = trackObject(21, 200_000, 'Skipped one');
    const b = trackObject(22, 200_000, 'After');
    const skips: string[] = [];
    app.core.bus.on('skip.detected', 'test', (row) => { skips.push(row.track_name); });
    app.fake.state.player = playerState(a, 1_000);
    await app.spotify.syncNow('default');
    app.fake.state.player = playerState(b, 500);
    await app.spotify.syncNow('default');
    expect(skips).to.deep.equal(['Skipped one']);
    expect(app.spotify.nowPlaying('default')!.track_name).to.equal('After');
  });

  it('keeps now-playing for episodes, 204 and ads', async () => {
    app.fake.state.player = fixture('api/java_player-state_episode.json');
    await app.spotify.syncNow('default');
    expect(app.spotify.nowPlaying('default')).to.include({ content: 'episode', active: true });
    app.fake.state.player = null;
    await app.spotify.syncNow('default');
    expect(app.spotify.nowPlaying('default')).to.include({ active: false, idle_reason: 'idle' });
    app.fake.state.player = { ...playerState(trackObject(1), 0), currently_playing_type: 'ad', item: null };
    await app.spotify.syncNow('default');
    expect(app.spotify.nowPlaying('default')).to.include({ active: false, idle_reason: 'ad' });
  });
});
