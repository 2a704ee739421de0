import { expect } from 'chai';
import { readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { buildCore } from '../support/core.js';
import { FIXTURES } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';

const LB = path.join(FIXTURES, 'listenbrainz');
const fx = (name: string) => path.join(LB, name);
const text = (name: string) => readFileSync(fx(name), 'utf8');
/** 2002-10-01 00:00 UTC, the oldest listen ListenBrainz accepts (LISTEN_MINIMUM_TS). */
const LB_MIN_S = 1033430400;

/** An independent reading of ListenBrainz's rules for one exported listen line. */
function lbValid(line: string): boolean {
  let l: any;
  try { l = JSON.parse(line); } catch { return false; }
  const m = l?.track_metadata;
  const name = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  return typeof m === 'object' && m !== null && name(m.artist_name) && name(m.track_name)
    && typeof l.listened_at === 'number' && l.listened_at >= LB_MIN_S && l.listened_at < Date.now() / 1000 + 3600;
}
const lines = (name: string) => text(name).split('\n').filter((l) => l.trim() !== '');

/** Data rows of a Libre.fm CSV: not a comment (# or +ACM-), not the header line. */
function csvRows(name: string): string[][] {
  const rows = text(name).split('\n').filter((l) => l.trim() !== '' && !/^(#|\+ACM-)/.test(l)).map((l) => l.split(','));
  return rows.slice(1);
}

describe('importers: listening history from other services (real samples from ListenBrainz)', function () {
  this.timeout(60_000);
  let core: Awaited<ReturnType<typeof buildCore>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { core = await buildCore(); tmp = await tempDir(); });
  afterEach(async () => { await core.close(); await tmp.remove(); });
  const imp = (...files: string[]) => core.importer.importPaths(files, { account: 'default' });
  const streams = () => core.store.sql.all<{ ended_at: number; ms_played: number; kind: number; sources: number; track: string; artist: string }>(
    `SELECT s.ended_at, s.ms_played, s.kind, s.sources, t.name AS track, ar.name AS artist FROM streams s JOIN tracks t ON t.id = s.track_id
     LEFT JOIN artists ar ON ar.id = t.artist_id ORDER BY s.ended_at`);

  it('reads a ListenBrainz export (JSON lines) by its content, whatever the file is called', async () => {
    const renamed = path.join(tmp.dir, 'upload-7f3a');
    writeFileSync(renamed, readFileSync(fx('listenbrainz_listens.jsonl')));
    const report = await imp(renamed);
    const valid = lines('listenbrainz_listens.jsonl').filter(lbValid);
    expect(report.ok).to.equal(true);
    expect(report.files[0]!.format).to.equal('listenbrainz');
    expect(report.totals.streams_stored).to.equal(valid.length);
    expect(report.totals.plays).to.equal(valid.length);
    // Identity: the Spotify URI of additional_info.spotify_id, and the listen's duration as ms_played.
    const first = JSON.parse(valid[0]!);
    const id = /track\/(\w{22})/.exec(first.track_metadata.additional_info.spotify_id)![1];
    const row = core.store.sql.get<{ uri: string; ms: number; ended_at: number }>(
      'SELECT t.uri, s.ms_played AS ms, s.ended_at FROM streams s JOIN tracks t ON t.id = s.track_id WHERE t.uri = ?', [`spotify:track:${id}`])!;
    expect(row.ms).to.equal(first.track_metadata.additional_info.duration_ms);
    // ListenBrainz's own Spotify reader stamps Spotify's played_at (the end): kept as the end.
    expect(row.ended_at).to.equal(first.listened_at * 1000);
  });

  it('rejects the lines ListenBrainz rejects, with their line and reason, and keeps the rest', async () => {
    const report = await imp(fx('listenbrainz_mixed_validity.jsonl'));
    const all = lines('listenbrainz_mixed_validity.jsonl');
    const bad = all.map((l, i) => (lbValid(l) ? -1 : i)).filter((i) => i >= 0);
    expect(report.totals.streams_stored).to.equal(all.length - bad.length);
    expect(report.files[0]!.rejected.map((r) => r.index)).to.deep.equal(bad);
    expect(report.files[0]!.rejected.map((r) => r.reason)).to.deep.equal(['track_metadata.artist_name: empty', 'track_metadata.track_name: empty']);

    const none = await imp(fx('listenbrainz_all_invalid.jsonl'));
    expect(none.ok).to.equal(false);
    expect(none.files[0]!.rows_rejected).to.equal(lines('listenbrainz_all_invalid.jsonl').length);
    expect(none.files[0]!.error).to.match(/none of its 3 rows is a valid stream/);
  });

  it('rejects missing or null track_metadata, null listened_at, pre-2002, nanosecond and NaN timestamps row by row', async () => {
    const payload = (name: string) => JSON.parse(text(name)).payload[0];
    const nan = JSON.stringify(JSON.parse(text('invalid_listen_nan_in_json.json').replace('NaN', '"__NAN__"')).payload[0]).replace('"__NAN__"', 'NaN');
    const file = path.join(tmp.dir, 'mixed.jsonl');
    const rows = [payload('invalid_listen_missing_track_metadata.json'), payload('invalid_listen_null_track_metadata.json'),
      payload('invalid_listen_null_listened_at.json'), payload('timestamp_before_lfm_founding.json'), payload('timestamp_in_ns.json')];
    writeFileSync(file, [...rows.map((r) => JSON.stringify(r)), nan, JSON.stringify(payload('valid_single.json'))].join('\n'));
    const report = await imp(file);
    expect(report.ok).to.equal(true);
    expect(report.totals.streams_stored).to.equal(1);
    const rejected = report.files[0]!.rejected;
    expect(rejected.map((r) => r.index)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(rejected[0]!.reason).to.match(/track_metadata: missing/);
    expect(rejected[1]!.reason).to.match(/track_metadata: null/);
    expect(rejected[2]!.reason).to.match(/listened_at: missing \(null\)/);
    expect(rejected[3]!.reason).to.match(/before 2002-10-01/);
    expect(rejected[4]!.reason).to.match(/milliseconds or nanoseconds/);
    expect(rejected[5]!.reason).to.match(/not valid JSON/);
  });

  it('imports the zip from ListenBrainz "Export listens" (only listens/*.jsonl, not feedback or user.json)', async () => {
    const zip = path.join(tmp.dir, 'listenbrainz_rob_1700000000.zip');
    writeFileSync(zip, zipSync({
      'user.json': strToU8(JSON.stringify({ user_id: 1, username: 'rob' })),
      'feedback.jsonl': strToU8(`${JSON.stringify({ recording_mbid: 'c7d0bf6e-b2aa-4ffa-bded-2448415b39b0', score: 1, created: 1748964422 })}\n`),
      'listens/2025/8.jsonl': readFileSync(fx('listenbrainz_mixed_validity.jsonl')),
      'listens/2025/6.jsonl': readFileSync(fx('listenbrainz_listens.jsonl')),
    }));
    const report = await imp(zip);
    expect(report.files.map((f) => f.file.split(':').at(-1))).to.have.members(['listens/2025/8.jsonl', 'listens/2025/6.jsonl']);
    const expected = [...lines('listenbrainz_mixed_validity.jsonl'), ...lines('listenbrainz_listens.jsonl')].filter(lbValid).length;
    expect(report.totals.streams_stored).to.equal(expected);
  });

  it('reads a Maloja export: start + what was played (else the track length) makes the end', async () => {
    const report = await imp(fx('maloja.json'));
    const scrobbles = JSON.parse(text('maloja.json')).scrobbles as any[];
    expect(report.files[0]!.format).to.equal('maloja');
    expect(report.totals.plays).to.equal(scrobbles.length);
    const expected = scrobbles.map((s) => ({ ms: (s.duration ?? s.track.length) * 1000, end: (s.time + (s.duration ?? s.track.length)) * 1000 }))
      .sort((a, b) => a.end - b.end);
    expect(streams().map((s) => ({ ms: s.ms_played, end: s.ended_at }))).to.deep.equal(expected);

    const malformed = await imp(fx('maloja_malformed.json'));
    expect(malformed.ok).to.equal(false);
    expect(malformed.files[0]!.rows_rejected).to.equal(JSON.parse(text('maloja_malformed.json')).scrobbles.length);
  });

  it('reads a Rockbox .scrobbler.log: L is a play, S a skip, <Untagged> refused; local times in the configured zone', async () => {
    await core.close();
    core = await buildCore({ timeZone: 'Europe/Berlin' });
    const report = await imp(fx('.scrobbler.log'));
    const rows = text('.scrobbler.log').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
    const tagged = rows.filter((r) => r[0] !== '<Untagged>');
    expect(report.files[0]!.format).to.equal('scrobbler-log');
    expect(report.totals.plays).to.equal(tagged.filter((r) => r[5] === 'L').length);
    expect(report.totals.skips).to.equal(tagged.filter((r) => r[5] === 'S').length);
    expect(report.totals.rows_rejected).to.equal(rows.length - tagged.length);
    expect(report.files[0]!.rejected[0]!.reason).to.match(/<Untagged>/);
    // #TZ/UNKNOWN: 1577836800 is 2020-01-01 00:00 on the player's clock = 2019-12-31 23:00 UTC in Berlin.
    const beatles = streams().find((s) => s.track === 'Come Together')!;
    expect(beatles.ended_at - beatles.ms_played).to.equal(Date.UTC(2019, 11, 31, 23) );
    expect(beatles.ms_played).to.equal(259_000);
  });

  it('reads Libre.fm CSVs with a header (any column order, extra columns, # and +ACM- comments) and without one', async () => {
    for (const name of ['librefm.csv', 'librefm_no_album_column.csv', 'librefm_with_comments.csv']) {
      await core.close();
      core = await buildCore();
      const report = await imp(fx(name));
      expect(report.ok, name).to.equal(true);
      expect(report.files[0]!.format).to.equal('lastfm-csv');
      expect(report.totals.streams_stored, name).to.equal(csvRows(name).length);
      const header = text(name).split('\n').find((l) => !/^(#|\+ACM-)/.test(l))!.toLowerCase().split(',');
      const times = csvRows(name).map((r) => Number(r[header.indexOf('time')]) * 1000).sort();
      expect(streams().map((s) => s.ended_at - s.ms_played), name).to.deep.equal(times);
    }
    // Headerless, as Last.fm exports it: artist, album, track, time.
    await core.close();
    core = await buildCore();
    const headerless = path.join(tmp.dir, 'scrobbles.csv');
    writeFileSync(headerless, csvRows('librefm.csv').map(([artist, track, album, time]) => [artist, album, track, time].join(',')).join('\n'));
    const report = await imp(headerless);
    expect(report.totals.streams_stored).to.equal(csvRows('librefm.csv').length);
    expect(streams().map((s) => s.track).sort()).to.deep.equal(csvRows('librefm.csv').map((r) => r[1]).sort());
  });

  it('refuses a headerless CSV whose rows are not artist, album, track, time, saying so', async () => {
    const report = await imp(fx('librefm_no_header.csv'));
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.match(/needs 4 columns \(artist, album, track, time/);
    expect(streams()).to.have.length(0);
  });

  it('reads a Pano Scrobbler export', async () => {
    const report = await imp(fx('panoscrobbler.jsonl'));
    const items = lines('panoscrobbler.jsonl').map((l) => JSON.parse(l));
    expect(report.files[0]!.format).to.equal('panoscrobbler');
    expect(streams().map((s) => ({ end: s.ended_at, ms: s.ms_played }))).to.deep.equal(
      items.map((i) => ({ end: i.timeMs + i.durationMs, ms: i.durationMs })).sort((a, b) => a.end - b.end));
  });

  it('reads the older Spotify extended history (endsong_N.json) inside a zip', async () => {
    const zip = path.join(tmp.dir, 'my_spotify_data.zip');
    writeFileSync(zip, zipSync({ 'MyData/endsong_0.json': readFileSync(fx('spotify_streaming_endsong_0.json')),
      'MyData/Userdata.json': strToU8('{"username": "x"}') }));
    const rows = JSON.parse(text('spotify_streaming_endsong_0.json')) as any[];
    const report = await imp(zip);
    expect(report.files).to.have.length(1);
    expect(report.files[0]!.format).to.equal('extended');
    expect(report.totals.streams_stored).to.equal(rows.length);
    expect(report.totals.plays).to.equal(rows.filter((r) => r.ms_played >= 30_000).length);
  });

  it('refuses what is not listening history (a Last.fm loved-tracks page) with a sentence naming what it reads', async () => {
    const report = await imp(fx('lastfm_loved_tracks_1.json'));
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.match(/not a listening history Vibescope reads \(a Spotify export/);
  });

  it('journals the detected format: replay from the journal alone reads every file the same way', async () => {
    await core.close();
    const dataDir = path.join(tmp.dir, 'data');
    core = await buildCore({ dataDir });
    const files = ['listenbrainz_mixed_validity.jsonl', 'maloja.json', '.scrobbler.log', 'librefm.csv', 'panoscrobbler.jsonl'].map(fx);
    const report = await core.importer.importPaths(files, { account: 'default' });
    const before = core.stats.summary({ from: 0, to: Date.now() });
    expect(before.streams).to.equal(report.totals.streams_stored);
    await core.close();
    const journal = path.join(dataDir, 'journal');
    const recorded = readdirSync(journal).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(path.join(journal, f), 'utf8').split('\n'))
      .filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.t === 'import.file').map((r) => r.format);
    expect(recorded.sort()).to.deep.equal(['csv', 'json-lines', 'json-lines', 'maloja', 'scrobbler-log']);
    for (const f of readdirSync(dataDir)) if (f.startsWith('vibescope.db')) rmSync(path.join(dataDir, f));
    core = await buildCore({ dataDir });
    expect(core.stats.summary({ from: 0, to: Date.now() })).to.deep.equal(before);
  });
});
