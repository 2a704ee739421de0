import { expect } from 'chai';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { buildPlaylistsApp, catalogFromRows, historyRows, type PlaylistsApp } from './harness.js';
import { ARC_PEAK } from '../../src/playlists/arc.js';

const DAY = 86_400_000;
const rows2024 = historyRows('efrrowini_Streaming_History_Audio_2024.json');

/** Two moods far apart: the week's (bright, energetic, danceable) and another (calm, dark, acoustic). */
const MOOD_A = { energy: 0.85, valence: 0.8, danceability: 0.75, acousticness: 0.1, tempo_bpm: 128 };
const MOOD_B = { energy: 0.15, valence: 0.2, danceability: 0.25, acousticness: 0.85, tempo_bpm: 78 };

/** Adds a local file per track through the store's library calls (seen → tags → features), with a real file on disk. */
function addFiles(app: PlaylistsApp, musicDir: string, tracks: { id: number; name: string; artist: string }[], mood: typeof MOOD_A, jitter: (i: number) => number) {
  const { library } = app.core.store;
  return app.core.store.exclusive(() => app.core.store.transaction(() => {
    tracks.forEach((t, i) => {
      const file = path.join(musicDir, `${t.id}.flac`);
      writeFileSync(file, `not really audio ${t.id}`);
      library.seen(file, 20, 1_000 + t.id);
      const id = app.core.store.sql.get<{ id: number }>('SELECT id FROM library_files WHERE path = ?', [file])!.id;
      library.saveTags(id, { artist: t.artist, title: t.name, album: null, isrc: null }, 200_000, t.id);
      const j = jitter(i);
      library.saveFeatures(id, { duration_s: 200, energy: mood.energy + j, valence: mood.valence - j, danceability: mood.danceability + j / 2,
        acousticness: mood.acousticness, tempo_bpm: mood.tempo_bpm + j * 20, mfcc_mean: null, mfcc_std: null });
    });
  }));
}

describe('playlists: weekly mixtape and M3U of the matched local files', function () {
  this.timeout(120_000);
  let app: PlaylistsApp;
  let musicDir: string;
  const moodA = new Set<number>();

  before(async () => {
    app = await buildPlaylistsApp({ options: { vibe_playlist_size: 20 }, start: Date.UTC(2024, 11, 21, 12) });
    app.fake.playlists.catalog.push(...catalogFromRows(rows2024));
    await app.core.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json')], { account: 'default' });
    musicDir = path.join(app.dir, 'music');
    mkdirSync(musicDir);
    // The week's plays (own pass over the store) get mood A; as many other streamed tracks get mood B.
    const now = app.clock.now();
    const sql = app.core.store.sql;
    const played = sql.all<{ id: number; name: string; artist: string }>(`SELECT DISTINCT t.id AS id, t.name AS name, ar.name AS artist FROM streams s
      JOIN tracks t ON t.id = s.track_id JOIN artists ar ON ar.id = t.artist_id WHERE s.kind = 1 AND s.ended_at BETWEEN ? AND ? ORDER BY t.id`, [now - 7 * DAY, now]);
    const others = sql.all<{ id: number; name: string; artist: string }>(`SELECT t.id AS id, t.name AS name, ar.name AS artist FROM tracks t JOIN artists ar ON ar.id = t.artist_id
      WHERE t.content = 0 AND t.id NOT IN (SELECT track_id FROM streams WHERE ended_at BETWEEN ? AND ?) ORDER BY t.id LIMIT 80`, [now - 7 * DAY, now]);
    expect(played.length, 'the real history has plays in the week before "now"').to.be.greaterThan(30);
    // Mood A: the week's tracks and 40 others of the library (this user skipped many of the week's tracks 3+ times); mood B: 40 more.
    const a = [...played, ...others.slice(0, 40)];
    for (const t of a) moodA.add(t.id);
    await addFiles(app, musicDir, a, MOOD_A, (i) => ((i % 7) - 3) / 100);
    await addFiles(app, musicDir, others.slice(40), MOOD_B, (i) => ((i % 5) - 2) / 100);
  });
  after(async () => { await app?.close(); });

  it('makes a 60–90 minute mixtape from the week\'s dominant mood only, <= 2 per artist, no song twice, as an energy arc', async () => {
    const run = await app.generate({ kind: 'mixtape' });
    expect(run.status, run.error ?? '').to.equal('success');
    const minutes = run.tracks.reduce((a, t) => a + t.duration_ms!, 0) / 60_000;
    expect(minutes).to.be.within(60, 90);
    const ids = new Map(app.core.store.sql.all<{ id: number; uri: string }>('SELECT id, uri FROM tracks WHERE uri IS NOT NULL').map((t) => [t.uri, t.id]));
    for (const t of run.tracks) expect(moodA.has(ids.get(t.uri!)!), `${t.name} is of the week's mood`).to.equal(true);
    // Nothing the account skipped 3+ times (own count over the store).
    const skipped3 = new Set(app.core.store.sql.values('SELECT track_id FROM streams WHERE kind = 2 GROUP BY track_id HAVING count(*) >= 3').map((r) => r[0] as number));
    for (const t of run.tracks) expect(skipped3.has(ids.get(t.uri!)!), `${t.name} was skipped 3+ times`).to.equal(false);
    const perArtist = new Map<string, number>();
    for (const t of run.tracks) perArtist.set(t.artist_name!.toLowerCase(), (perArtist.get(t.artist_name!.toLowerCase()) ?? 0) + 1);
    expect(Math.max(...perArtist.values())).to.be.at.most(2);
    expect(new Set(run.tracks.map((t) => t.uri)).size).to.equal(run.tracks.length);
    // Energy arc: non-decreasing up to the peak at ~65 %, non-increasing after it.
    const peak = Math.round(ARC_PEAK * (run.tracks.length - 1));
    run.tracks.forEach((t, i) => {
      if (i === 0) return;
      if (i <= peak) expect(t.energy!, `rising at ${i}`).to.be.at.least(run.tracks[i - 1]!.energy!);
      else expect(t.energy!, `falling at ${i}`).to.be.at.most(run.tracks[i - 1]!.energy!);
    });
    expect(run.tracks[peak]!.energy).to.equal(Math.max(...run.tracks.map((t) => t.energy!)));
    expect(run.sources).to.deep.equal([{ source: 'library_mood', candidates: run.sources[0]!.candidates, status: 'ok', error: null }]);
    expect(run.name).to.match(/^Vibescope mixtape · week of /);
    expect(run.description).to.match(/energetic, bright, danceable/);
  });

  it('writes the mixtape as a second Spotify playlist and as an M3U8 of the local files, in the same order', async () => {
    const vibe = await app.generate();
    expect(vibe.status, vibe.error ?? '').to.equal('success');
    const mixtape = app.playlists.runs({ account: 'default', kind: 'mixtape', limit: 1 })[0]!;
    expect(app.fake.playlists.playlists.size).to.equal(2);
    expect(mixtape.spotify_playlist_id).to.not.equal(vibe.spotify_playlist_id);
    const full = app.playlists.run(mixtape.id);
    expect(mixtape.m3u_path).to.equal(path.join(app.m3uDir, 'vibescope-default-mixtape.m3u8'));
    const text = readFileSync(mixtape.m3u_path!, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).to.equal('#EXTM3U');
    expect(lines[1]).to.equal(`#PLAYLIST:${mixtape.name}`);
    const paths = lines.filter((l) => !l.startsWith('#'));
    const fileOf = new Map(app.core.store.sql.all<{ uri: string; path: string }>(`SELECT t.uri AS uri, lf.path AS path FROM library_files lf
      JOIN tracks t ON t.id = lf.track_id`).map((r) => [r.uri, r.path]));
    expect(paths).to.deep.equal(full.tracks.map((t) => fileOf.get(t.uri!)));
    for (const p of paths) expect(readFileSync(p, 'utf8')).to.match(/^not really audio/);
    expect(lines.filter((l) => l.startsWith('#EXTINF:200,')).length).to.equal(paths.length);
    expect(mixtape.m3u_tracks).to.equal(paths.length);
    expect(app.playlists.m3u(mixtape.id).text, 'the download is the same file').to.equal(text);
  });

  it('the vibe playlist\'s M3U holds exactly its tracks that have a local file, in the list\'s order', async () => {
    const vibe = app.playlists.runs({ account: 'default', kind: 'vibe', limit: 1 })[0]!;
    const full = app.playlists.run(vibe.id);
    const withFile = full.tracks.filter((t) => app.core.store.sql.get(`SELECT 1 AS x FROM library_files lf JOIN tracks t ON t.id = lf.track_id WHERE t.uri = ?`, [t.uri]));
    expect(withFile.length, 'some of the vibe list (rediscoveries, deep cuts) has local files').to.be.greaterThan(0);
    expect(vibe.m3u_tracks).to.equal(withFile.length);
    const paths = app.playlists.m3u(vibe.id).text.trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(paths).to.deep.equal(withFile.map((t) => app.core.store.sql.get<{ path: string }>(`SELECT lf.path AS path FROM library_files lf
      JOIN tracks t ON t.id = lf.track_id WHERE t.uri = ?`, [t.uri])!.path));
  });

  it('the next week leaves out the last mixtape\'s tracks; without analysed files the mixtape fails with a sentence and the vibe list has no M3U', async () => {
    const first = app.playlists.runs({ account: 'default', kind: 'mixtape', limit: 1 })[0]!;
    const firstTracks = new Set(app.playlists.run(first.id).tracks.map((t) => t.uri));
    app.clock.advance(DAY);
    const second = await app.generate({ kind: 'mixtape', dry_run: true });
    expect(second.status, second.error ?? '').to.equal('success');
    for (const t of second.tracks) expect(firstTracks.has(t.uri), `${t.name} repeats last week's mixtape`).to.equal(false);

    const bare = await buildPlaylistsApp();
    try {
      await bare.core.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json')], { account: 'default' });
      const run = await bare.generate({ kind: 'mixtape', dry_run: true });
      expect(run.status).to.equal('failed');
      expect(run.error).to.match(/^No analysed music files are matched to your Spotify tracks yet/);
      const vibe = await bare.generate();
      expect(vibe.status).to.equal('success');
      expect(vibe.m3u_path).to.equal(null);
      expect(vibe.notes).to.include('None of these tracks is in your music library, so no M3U file was written.');
      expect(() => bare.playlists.m3u(vibe.id)).to.throw(/none of them is in your music library/);
    } finally { await bare.close(); }
  });
});
