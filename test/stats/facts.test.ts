import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { BadParamError } from '../../src/errors.js';
import { resolvePeriod } from '../../src/stats/index.js';
import { coreWithHistory, MICA, NOW, type TestCore } from '../story/support.js';

/** Argentina is UTC−3 all year (no DST since 2009): a local day starts at 03:00 UTC. */
const OFFSET_MS = 3 * 3_600_000;
const DAY = 86_400_000;

interface Row { ts: string; ms_played: number; spotify_track_uri: string | null; master_metadata_album_artist_name: string | null;
  master_metadata_track_name: string | null; skipped: boolean | null; reason_end: string | null }
const rows = (JSON.parse(readFileSync(MICA, 'utf8')) as Row[]).filter((r) => r.spotify_track_uri);

/** The week's figures by a separate simple pass over the export's JSON (PRODUCT.md "play", "skip"). */
function expectedWeek(monday: string) {
  const from = Date.parse(`${monday}T00:00:00Z`) + OFFSET_MS;
  const to = from + 7 * DAY - 1;
  const at = (r: Row) => Date.parse(r.ts);
  const inWeek = rows.filter((r) => at(r) >= from && at(r) <= to);
  const plays = inWeek.filter((r) => r.ms_played >= 30_000);
  const skips = inWeek.filter((r) => r.ms_played < 30_000 && (r.skipped === true || r.reason_end === 'fwdbtn' || r.reason_end === 'backbtn'));
  const byArtist = new Map<string, { plays: number; ms: number }>();
  for (const r of plays) {
    const a = byArtist.get(r.master_metadata_album_artist_name!) ?? { plays: 0, ms: 0 };
    a.plays++; a.ms += r.ms_played;
    byArtist.set(r.master_metadata_album_artist_name!, a);
  }
  const top = [...byArtist.entries()].sort((x, y) => y[1].plays - x[1].plays || y[1].ms - x[1].ms)[0]!;
  // New artist: a play in the week, and no stream of any kind of theirs before it.
  const before = new Set(rows.filter((r) => at(r) < from).map((r) => r.master_metadata_album_artist_name));
  const newArtists = [...byArtist.keys()].filter((a) => !before.has(a)).sort();
  const days = new Set(plays.map((r) => new Date(at(r) - OFFSET_MS).toISOString().slice(0, 10)));
  return { plays: plays.length, skips: skips.length, topArtist: top[0], topArtistPlays: top[1].plays, newArtists, distinctArtists: byArtist.size,
    listeningMinutes: Math.round(inWeek.reduce((a, r) => a + r.ms_played, 0) / 60_000), activeDays: days.size,
    skipRate: Math.round((skips.length / (skips.length + plays.length)) * 1000) / 10 };
}

describe('stats: the story facts of a period (real imported history)', function () {
  this.timeout(60_000);
  let core: TestCore;
  before(async () => { core = await coreWithHistory(); });
  after(async () => { await core.close(); });

  for (const monday of ['2024-09-30', '2024-10-07']) {
    it(`the week of ${monday} equals a simple pass over the export: plays, skips, top artist, new artists`, () => {
      const expected = expectedWeek(monday);
      const f = core.stats.facts({ account: 'default', period: 'week', start: monday, now: NOW });
      expect(f.period).to.include({ kind: 'week', start: monday, days: 7 });
      expect(f.totals.plays).to.equal(expected.plays);
      expect(f.totals.skips).to.equal(expected.skips);
      expect(f.skips.count).to.equal(expected.skips);
      expect(f.skips.skip_rate_pct).to.equal(expected.skipRate);
      expect(f.totals.listening_minutes).to.equal(expected.listeningMinutes);
      expect(f.totals.distinct_artists).to.equal(expected.distinctArtists);
      expect(f.totals.active_days).to.equal(expected.activeDays);
      expect(f.top_artists[0]!.name).to.equal(expected.topArtist);
      expect(f.top_artists[0]!.plays).to.equal(expected.topArtistPlays);
      expect(f.new_artists.count).to.equal(expected.newArtists.length);
      expect(f.new_artists.top).to.have.length(Math.min(5, expected.newArtists.length));
      for (const a of f.new_artists.top) expect(expected.newArtists).to.include(a.name);
      if (monday === '2024-09-30') expect(expected.newArtists.length, 'a week with discoveries').to.be.greaterThan(5);
    });
  }

  it('has the previous week, changes and rank moves that agree with the two weeks computed on their own', () => {
    const a = expectedWeek('2024-09-30');
    const b = expectedWeek('2024-10-07');
    const f = core.stats.facts({ account: 'default', period: 'week', start: '2024-10-09', now: NOW });
    expect(f.period.start).to.equal('2024-10-07');
    expect(f.totals.previous.plays).to.equal(a.plays);
    expect(f.totals.change.plays_pct).to.equal(Math.round(((b.plays - a.plays) / a.plays) * 1000) / 10);
    expect(f.skips.previous_skip_rate_pct).to.equal(a.skipRate);
    const previous = core.stats.facts({ account: 'default', period: 'week', start: '2024-09-30', now: NOW });
    for (const t of f.top_artists) {
      const before = previous.top_artists.find((p) => p.name === t.name);
      if (before) expect(t.previous_rank).to.equal(before.rank);
      if (t.previous_rank !== null) expect(t.rank_change).to.equal(t.previous_rank - t.rank);
    }
  });

  it('holds only aggregates: no account name, no Spotify ids, no timestamps, and a stable set of keys', () => {
    const f = core.stats.facts({ account: 'default', period: 'week', start: '2024-10-07', now: NOW });
    const text = JSON.stringify(f);
    expect(text).to.not.include('spotify:');
    expect(text).to.not.match(/"default"/);
    expect(text).to.not.match(/\d{13}/, 'no ms-since-epoch values');
    expect(Object.keys(f)).to.deep.equal(['schema', 'period', 'totals', 'top_artists', 'top_tracks', 'top_albums', 'top_genres', 'new_artists',
      'sessions', 'skips', 'streak', 'mood', 'obscurity', 'outliers']);
    expect(f.top_genres).to.deep.equal([]);
    expect(f.mood).to.equal(null, 'no audio features analysed');
    expect(f.obscurity).to.equal(null);
    expect(f.top_artists.length).to.be.at.most(5);
    expect(Buffer.byteLength(text)).to.be.below(8_000);
  });

  it('takes genres and obscurity from the metadata capability when given, with rank moves', () => {
    const genres = (range: { from: number }) => (range.from < Date.parse('2024-10-07T03:00:00Z')
      ? [{ name: 'pop', plays: 40 }, { name: 'indie folk', plays: 10 }] : [{ name: 'indie folk', plays: 30 }, { name: 'pop', plays: 20 }]);
    const f = core.stats.facts({ account: 'default', period: 'week', start: '2024-10-07', now: NOW }, { genres, obscurity: () => 37.25 });
    expect(f.top_genres.map((g) => [g.name, g.rank, g.previous_rank, g.rank_change])).to.deep.equal([['indie folk', 1, 2, 1], ['pop', 2, 1, -1]]);
    expect(f.obscurity).to.deep.equal({ score: 37.3, previous_score: 37.3 });
  });

  it('mood drift: first and second half of the week from the analysed files of the played tracks', () => {
    const f0 = core.stats.facts({ account: 'default', period: 'week', start: '2024-10-07', now: NOW });
    const names = f0.top_tracks.slice(0, 3).map((t) => t.name);
    const energy = new Map(names.map((n, i) => [n, [0.2, 0.5, 0.9][i]!]));
    core.store.transaction(() => {
      names.forEach((name, i) => {
        const track = core.store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE name = ?', [name])!;
        core.store.sql.exec('INSERT INTO library_files (id, path, size, mtime_ms, status, track_id, scanned_at) VALUES (?, ?, 1, 0, 1, ?, 0)', [900 + i, `/m/${i}.flac`, track.id]);
        core.store.sql.exec('INSERT INTO audio_features (file_id, energy, valence, danceability, tempo_bpm) VALUES (?, ?, 0.5, 0.5, ?)', [900 + i, energy.get(name)!, 100 + i * 20]);
      });
    });
    const f = core.stats.facts({ account: 'default', period: 'week', start: '2024-10-07', now: NOW });
    const from = Date.parse('2024-10-07T03:00:00Z');
    const mid = from + (7 * DAY - 1) / 2;
    const plays = rows.filter((r) => r.ms_played >= 30_000 && names.includes(r.master_metadata_track_name!) && Date.parse(r.ts) >= from && Date.parse(r.ts) < from + 7 * DAY);
    const mean = (list: Row[]) => Math.round((list.reduce((a, r) => a + energy.get(r.master_metadata_track_name!)!, 0) / list.length) * 100);
    expect(f.mood!.plays_with_features).to.equal(plays.length);
    expect(f.mood!.energy_pct.mean).to.equal(mean(plays));
    expect(f.mood!.energy_pct.first_half).to.equal(mean(plays.filter((r) => Date.parse(r.ts) < mid)));
    expect(f.mood!.energy_pct.second_half).to.equal(mean(plays.filter((r) => Date.parse(r.ts) >= mid)));
    expect(f.mood!.outliers.length).to.be.at.most(2);
    core.store.transaction(() => { core.store.sql.exec('DELETE FROM audio_features WHERE file_id >= 900'); core.store.sql.exec('DELETE FROM library_files WHERE id >= 900'); });
  });

  it('an account with no data and an empty period answer zeros and empty lists', () => {
    const f = core.stats.facts({ account: 'nobody', period: 'month', start: '2024-10-15', now: NOW });
    expect(f.totals.plays).to.equal(0);
    expect(f.top_artists).to.deep.equal([]);
    expect(f.sessions.longest).to.equal(null);
    expect(f.outliers.busiest_day).to.equal(null);
    const empty = core.stats.facts({ account: 'default', period: 'week', start: '2023-01-02', now: NOW });
    expect(empty.totals.plays).to.equal(0);
    expect(empty.totals.change.plays_pct).to.equal(null);
  });
});

describe('stats: periods of the story facts', () => {
  it('finds the week, month and year around any date, and the one before', () => {
    const w = resolvePeriod('week', '2024-10-09', NOW, 'UTC');
    expect(w).to.include({ start: '2024-10-07', end: '2024-10-13', days: 7, from: Date.UTC(2024, 9, 7), to: Date.UTC(2024, 9, 14) - 1 });
    expect(w.previous).to.include({ start: '2024-09-30', end: '2024-10-06' });
    expect(resolvePeriod('month', '2024-02-29', NOW, 'UTC')).to.include({ start: '2024-02-01', end: '2024-02-29', days: 29 });
    expect(resolvePeriod('year', '2024-06-01', NOW, 'UTC')).to.include({ start: '2024-01-01', end: '2024-12-31', days: 366 });
  });

  it('defaults to the last complete period, and a week across a DST change has 169 hours', () => {
    const monday8 = Date.UTC(2026, 0, 12, 7); // Monday 08:00 in Berlin
    expect(resolvePeriod('week', undefined, monday8, 'Europe/Berlin')).to.include({ start: '2026-01-05', end: '2026-01-11' });
    expect(resolvePeriod('month', undefined, monday8, 'Europe/Berlin')).to.include({ start: '2025-12-01' });
    const dst = resolvePeriod('week', '2024-10-27', NOW, 'Europe/Berlin');
    expect(dst.to - dst.from + 1).to.equal(169 * 3_600_000);
    expect(dst.days).to.equal(7);
  });

  it('refuses dates that do not exist', () => {
    expect(() => resolvePeriod('week', '2024-02-30', NOW, 'UTC')).to.throw(BadParamError);
    expect(() => resolvePeriod('week', 'last week', NOW, 'UTC')).to.throw(BadParamError);
  });
});
