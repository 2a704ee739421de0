import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCore } from '../support/core.js';
import { ACCOUNT_DIR, EXTENDED_DIR } from '../support/fixtures.js';

type Row = Record<string, any>;
const ZONE = 'Europe/Berlin';
const load = (dir: string, file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Row[];
const monthFormat = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit' });
/** YYYY-MM of an instant in the zone, by Intl (independent of the product's time code). */
const monthOf = (ms: number) => monthFormat.format(new Date(ms)).slice(0, 7);
const hourOf = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms)));
/** PRODUCT.md: a play is a track stream of >= 30 s; a skip one under 30 s marked skipped or ended by fwdbtn/backbtn. */
const isPlay = (r: Row) => r.spotify_track_uri && r.ms_played >= 30_000;
const isSkip = (r: Row) => r.spotify_track_uri && r.ms_played < 30_000 && (r.skipped === true || ['fwdbtn', 'backbtn'].includes(r.reason_end));

describe('stats: artist, track and album pages, search, span, year in review', function () {
  this.timeout(60_000);
  const rows = load(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
  let core: Awaited<ReturnType<typeof buildCore>>;
  before(async () => {
    core = await buildCore({ timeZone: ZONE });
    await core.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json')], { account: 'default' });
    await core.importer.importPaths([path.join(ACCOUNT_DIR, 'erin_StreamingHistory_music_1.json')], { account: 'erin' });
  });
  after(async () => { await core?.close(); });
  const all = { from: 0, to: Date.UTC(2030, 0, 1), account: 'default' };
  const idOf = (kind: 'artist' | 'track' | 'album', name: string) => core.stats.search(name, 'default', 50, [kind])[`${kind}s` as 'artists']
    .find((h) => h.name === name)!.id;

  it('an artist page counts what a direct pass over the export counts (plays, skips, time, first and last play, months)', () => {
    const counts = new Map<string, number>();
    for (const r of rows.filter(isPlay)) counts.set(r.master_metadata_album_artist_name, (counts.get(r.master_metadata_album_artist_name) ?? 0) + 1);
    const [artist] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const mine = rows.filter((r) => r.spotify_track_uri && r.master_metadata_album_artist_name === artist);
    const page = core.stats.entity('artist', idOf('artist', artist), all)!;
    expect(page.name).to.equal(artist);
    expect(page.totals.plays).to.equal(mine.filter(isPlay).length);
    expect(page.totals.skips).to.equal(mine.filter(isSkip).length);
    expect(page.totals.ms_played).to.equal(mine.reduce((a, r) => a + r.ms_played, 0));
    const playTimes = mine.filter(isPlay).map((r) => Date.parse(r.ts));
    expect(page.first_at).to.equal(Math.min(...playTimes));
    expect(page.last_at).to.equal(Math.max(...playTimes));
    const byMonth = new Map<string, number>();
    for (const t of playTimes) byMonth.set(monthOf(t), (byMonth.get(monthOf(t)) ?? 0) + 1);
    expect(page.months.map((m) => [m.month, m.plays])).to.deep.equal([...byMonth].sort((a, b) => a[0].localeCompare(b[0])));
    const best = [...byMonth].sort((a, b) => b[1] - a[1])[0]!;
    expect(page.best_months[0]).to.include({ month: best[0], plays: best[1] });
    const byTrack = new Map<string, number>();
    for (const r of mine.filter(isPlay)) byTrack.set(r.spotify_track_uri, (byTrack.get(r.spotify_track_uri) ?? 0) + 1);
    const topTrack = [...byTrack].sort((a, b) => b[1] - a[1])[0]!;
    const topName = rows.find((r) => r.spotify_track_uri === topTrack[0])!.master_metadata_track_name;
    expect(page.top_tracks[0]).to.include({ name: topName, plays: topTrack[1] });
    expect(page.top_albums.length).to.be.greaterThan(0);
  });

  it('the same artist over October 2024 only counts October (configured zone)', () => {
    const from = Date.parse('2024-09-30T22:00:00Z'); const to = Date.parse('2024-10-31T22:59:59.999Z');
    const artist = 'Taylor Swift';
    const expected = rows.filter((r) => isPlay(r) && r.master_metadata_album_artist_name === artist && Date.parse(r.ts) >= from && Date.parse(r.ts) <= to).length;
    const page = core.stats.entity('artist', idOf('artist', artist), { from, to, account: 'default' })!;
    expect(page.totals.plays).to.equal(expected);
    expect(page.months.map((m) => m.month)).to.deep.equal(['2024-10']);
  });

  it('the rank history ranks the artist among all artists per month, as a direct count does', () => {
    const artist = 'Sabrina Carpenter';
    const page = core.stats.entity('artist', idOf('artist', artist), all)!;
    expect(page.rank_history.length).to.be.greaterThan(0);
    for (const { month, rank, plays } of page.rank_history) {
      const perArtist = new Map<string, number>();
      for (const r of rows.filter((x) => isPlay(x) && monthOf(Date.parse(x.ts)) === month)) {
        perArtist.set(r.master_metadata_album_artist_name, (perArtist.get(r.master_metadata_album_artist_name) ?? 0) + 1);
      }
      expect(plays).to.equal(perArtist.get(artist));
      expect(rank).to.equal(1 + [...perArtist.values()].filter((n) => n > plays).length, month);
    }
  });

  it("a track page lists that track's own streams, paged without gaps or repeats, newest first", () => {
    const uriCounts = new Map<string, number>();
    for (const r of rows.filter((x) => x.spotify_track_uri)) uriCounts.set(r.spotify_track_uri, (uriCounts.get(r.spotify_track_uri) ?? 0) + 1);
    const [uri, n] = [...uriCounts].sort((a, b) => b[1] - a[1])[0]!;
    const name = rows.find((r) => r.spotify_track_uri === uri)!.master_metadata_track_name;
    const hit = core.stats.search(name, 'default', 50, ['track']).tracks.find((h) => h.name === name)!;
    const page = core.stats.entity('track', hit.id, all)!;
    expect(page.uri).to.equal(uri);
    expect(page.spotify_url).to.equal(`https://open.spotify.com/track/${uri.split(':')[2]}`);
    const seen: number[] = [];
    let before: string | undefined;
    for (let i = 0; i < 100; i++) {
      const res = core.stats.entityStreams('track', hit.id, { ...all, limit: 7, before });
      expect(res.total).to.equal(n);
      seen.push(...res.streams.map((s) => s.ended_at));
      expect(res.streams.every((s) => s.track_uri === uri)).to.equal(true);
      if (!res.next) break;
      before = res.next;
    }
    expect(seen).to.have.length(n);
    expect(seen).to.deep.equal([...seen].sort((a, b) => b - a));
    expect(seen).to.deep.equal(rows.filter((r) => r.spotify_track_uri === uri).map((r) => Date.parse(r.ts)).sort((a, b) => b - a));
  });

  it('an album page lists its tracks by plays; an unknown id is null; an account without streams gets zeros', () => {
    const albumRows = rows.filter((r) => isPlay(r) && r.master_metadata_album_album_name === 'Short n\' Sweet' && r.master_metadata_album_artist_name === 'Sabrina Carpenter');
    expect(albumRows.length).to.be.greaterThan(0, 'the fixture has plays of this album');
    const page = core.stats.entity('album', idOf('album', 'Short n\' Sweet'), all)!;
    expect(page.artist?.name).to.equal('Sabrina Carpenter');
    expect(page.totals.plays).to.equal(albumRows.length);
    expect(page.tracks.reduce((a, t) => a + t.plays, 0)).to.equal(albumRows.length);
    expect(core.stats.entity('album', 999_999, all)).to.equal(null);
    const none = core.stats.entity('album', page.id, { ...all, account: 'nobody' })!;
    expect(none.totals).to.include({ plays: 0, skips: 0, ms_played: 0, streams: 0 });
    expect(none.first_at).to.equal(null);
  });

  it('search finds artists, tracks and albums by part of the name, names that start with it first', () => {
    const res = core.stats.search('sabr', 'default', 5);
    expect(res.artists[0]?.name).to.equal('Sabrina Carpenter');
    const tracks = core.stats.search('so long', 'default', 5).tracks;
    expect(tracks[0]?.name).to.match(/^So Long/i);
    expect(core.stats.search('100%_', 'default', 5).tracks).to.deep.equal([], 'wildcards match literally');
    expect(core.stats.search('sabr', 'erin', 5).artists.every((a) => a.plays >= 0)).to.equal(true);
  });

  it('the span says where the history ends and what an account-data export lacks', () => {
    const span = core.stats.span('default');
    expect(span.last_at).to.equal(Math.max(...rows.map((r) => Date.parse(r.ts))));
    expect(span.first_at).to.equal(Math.min(...rows.map((r) => Date.parse(r.ts))));
    expect(span.streams).to.equal(rows.length);
    expect(span.years).to.deep.equal([2024]);
    expect(span.lacks).to.deep.equal([]);
    expect(span.time_zone).to.equal(ZONE);
    const erin = core.stats.span('erin');
    expect(erin.lacks).to.deep.equal(['skips', 'albums']);
    expect(erin.sources).to.deep.equal(['import-account']);
    expect(core.stats.span('nobody')).to.include({ streams: 0, last_at: null });
  });

  it('the year in review adds up: totals, top artist, top month, clock', () => {
    const year = rows.filter((r) => isPlay(r) && new Date(Date.parse(r.ts) + 3_600_000).getUTCFullYear() === 2024);
    const w = core.stats.wrapped(2024, 'default');
    expect(w.totals.plays).to.equal(year.length);
    expect(w.top_artists[0]?.name).to.equal('Taylor Swift');
    expect(w.top_artists).to.have.length.at.most(5);
    expect(w.clock.reduce((a, b) => a + b, 0)).to.equal(year.length);
    const hours = new Array<number>(24).fill(0);
    for (const r of year) hours[hourOf(Date.parse(r.ts))]! += 1;
    expect(w.clock).to.deep.equal(hours);
    const msByMonth = new Map<string, number>();
    for (const r of rows.filter((x) => x.spotify_track_uri)) msByMonth.set(monthOf(Date.parse(r.ts)), (msByMonth.get(monthOf(Date.parse(r.ts))) ?? 0) + r.ms_played);
    expect(w.top_month?.month).to.equal([...msByMonth].sort((a, b) => b[1] - a[1])[0]![0]);
    expect(w.discoveries.new_artists).to.equal(new Set(rows.filter(isPlay).map((r) => r.master_metadata_album_artist_name)).size);
    expect(core.stats.wrapped(2019, 'default').totals.plays).to.equal(0);
  });

  it('counts the log with the same filters as the log itself', () => {
    expect(core.stats.countStreams({ ...all })).to.equal(rows.length);
    expect(core.stats.countStreams({ ...all, kind: 'skip' })).to.equal(rows.filter(isSkip).length);
    expect(core.stats.countStreams({ ...all, artist: 'sabrina carpenter' })).to.equal(rows.filter((r) => r.master_metadata_album_artist_name === 'Sabrina Carpenter').length);
    expect(core.stats.countStreams({ ...all, q: 'London' })).to.equal(rows.filter((r) => [r.master_metadata_track_name, r.master_metadata_album_artist_name,
      r.master_metadata_album_album_name].some((v) => typeof v === 'string' && v.toLowerCase().includes('london'))).length);
  });
});
