import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';

/** A real extended-history export (2 400+ rows, repeats and restarts of one track seconds apart included). */
const SPOTIFY_FILE = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
const spotifyRows = (): any[] => JSON.parse(readFileSync(SPOTIFY_FILE, 'utf8'));
/** ListenBrainz's Spotify importer drops these (listenbrainz/background/listens_importer/spotify.py _skip_item). */
const LB_SKIP_REASONS = new Set([null, 'fwdbtn', 'backbtn', 'clickrow', 'clickside', 'endplay', 'playbtn', 'remote', 'logout', 'popup',
  'trackerror', 'unexpected-exit', 'unexpected-exit-while-paused', 'unknown']);
const lbTakes = (r: any) => r.spotify_track_uri && r.master_metadata_track_name && !r.incognito_mode
  && !(r.ms_played < 30_000 && (r.skipped || LB_SKIP_REASONS.has(r.reason_end ?? null)));

/** The same plays as ListenBrainz's Spotify archive importer writes them (listened_at = ts, the END; ms_played kept). */
function asListenBrainzExport(rows: any[]): string {
  return rows.filter(lbTakes).map((r) => JSON.stringify({
    listened_at: Math.floor(Date.parse(r.ts) / 1000),
    track_metadata: { artist_name: r.master_metadata_album_artist_name, track_name: r.master_metadata_track_name,
      release_name: r.master_metadata_album_album_name,
      additional_info: { ms_played: r.ms_played, origin_url: `https://open.spotify.com/track/${r.spotify_track_uri.split(':')[2]}`,
        submission_client: 'ListenBrainz Archive Importer', music_service: 'spotify.com' } },
  })).join('\n');
}

/** The same plays as Spotify's own Last.fm scrobbling records them (the START, no duration), exported from Libre.fm / Last.fm as CSV. */
function asLastFmCsv(rows: any[]): { csv: string; n: number } {
  const played = rows.filter((r) => r.spotify_track_uri && r.master_metadata_track_name && r.ms_played >= 30_000 && !r.incognito_mode);
  const quote = (v: string) => `"${String(v ?? '').replaceAll('"', '""')}"`;
  const lines = played.map((r) => [r.master_metadata_album_artist_name, r.master_metadata_track_name, r.master_metadata_album_album_name,
    Math.floor((Date.parse(r.ts) - r.ms_played) / 1000)].map((v) => quote(String(v))).join(','));
  return { csv: ['Artist,Track,Album,Time', ...lines].join('\n'), n: played.length };
}

describe('importers: the same plays from Spotify and from a scrobbling service are counted once', function () {
  this.timeout(120_000);
  let core: Awaited<ReturnType<typeof buildCore>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { core = await buildCore(); tmp = await tempDir(); });
  afterEach(async () => { await core.close(); await tmp.remove(); });
  const imp = (file: string) => core.importer.importPaths([file], { account: 'default' });
  const count = () => core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;
  const summary = () => core.stats.summary({ from: 0, to: Date.now() });

  it('a ListenBrainz export of an imported Spotify export adds no stream, and each stream keeps both sources', async () => {
    const rows = spotifyRows();
    const lbFile = path.join(tmp.dir, 'listens.jsonl');
    writeFileSync(lbFile, asListenBrainzExport(rows));
    const first = await imp(SPOTIFY_FILE);
    expect(first.totals.streams_stored).to.equal(rows.length);
    const before = summary();
    const second = await imp(lbFile);
    expect(second.totals.streams_stored).to.equal(0, 'every listen is a Spotify stream already stored');
    expect(second.totals.merged_duplicates).to.equal(rows.filter(lbTakes).length);
    expect(count()).to.equal(rows.length);
    expect(summary()).to.deep.equal(before, 'plays, skips and listening time unchanged (Spotify\'s ms_played wins)');
    const both = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams WHERE sources = 4 | 32')!.n;
    expect(both).to.equal(rows.filter(lbTakes).length);
  });

  it('the other order: ListenBrainz first, then the Spotify export, gives the same streams', async () => {
    const rows = spotifyRows();
    const lbFile = path.join(tmp.dir, 'listens.jsonl');
    writeFileSync(lbFile, asListenBrainzExport(rows));
    await imp(lbFile);
    const report = await imp(SPOTIFY_FILE);
    expect(report.totals.merged_duplicates).to.equal(rows.filter(lbTakes).length);
    expect(count()).to.equal(rows.length);
    const plays = rows.filter((r) => r.spotify_track_uri && r.ms_played >= 30_000).length;
    expect(summary().plays).to.equal(plays);
    expect(summary().listening_ms).to.equal(rows.filter((r) => r.spotify_track_uri).reduce((a, r) => a + r.ms_played, 0));
  });

  it('Spotify\'s own scrobbles exported from Last.fm (start times, no durations) merge by their start', async () => {
    const rows = spotifyRows();
    const { csv, n } = asLastFmCsv(rows);
    const csvFile = path.join(tmp.dir, 'lastfm.csv');
    writeFileSync(csvFile, csv);
    await imp(SPOTIFY_FILE);
    const before = summary();
    const report = await imp(csvFile);
    expect(report.totals.rows_read).to.equal(n);
    expect(report.totals.streams_stored).to.equal(0);
    expect(report.totals.merged_duplicates).to.equal(n);
    expect(summary()).to.deep.equal(before);
  });

  it('a play recorded live between two imports of the same export is merged by the second, though the first taught it where only imported streams lie', async () => {
    // An import of one source reads only stored streams of other sources, and skips time ranges known to hold none.
    // Those ranges are learnt from the store once; a live play recorded afterwards must be found there again.
    const rows = spotifyRows();
    const at = rows.findIndex((r, i) => i > rows.length / 2 && r.spotify_track_uri && r.ms_played > 60_000 && r.reason_end === 'trackdone'
      && rows[i - 1].spotify_track_uri !== r.spotify_track_uri && rows[i + 1]?.spotify_track_uri !== r.spotify_track_uri);
    const played = rows[at];
    const write = (name: string, list: any[]) => { const f = path.join(tmp.dir, name); writeFileSync(f, JSON.stringify(list)); return f; };
    const even = rows.filter((_, i) => i % 2 === 0 && i !== at);
    const odd = rows.filter((_, i) => i % 2 === 1 && i !== at);
    expect((await imp(write('Streaming_History_Audio_2024_0.json', even))).totals.streams_stored).to.equal(even.length);
    // Overlaps the first in time: its groups look for other sources' streams among the imported ones and find none.
    expect((await imp(write('Streaming_History_Audio_2024_1.json', odd))).totals.streams_stored).to.equal(odd.length);
    const live = await core.ingest.record([{ account: 'default', source: 'poll', ended_at: Date.parse(played.ts), ms_played: played.ms_played,
      track: { uri: played.spotify_track_uri, content: 'track', name: played.master_metadata_track_name,
        artists: [{ spotify_id: null, name: played.master_metadata_album_artist_name }],
        album: { spotify_id: null, name: played.master_metadata_album_album_name, image_url: null }, duration_ms: null, isrc: null } }]);
    expect(live.inserted).to.have.length(1, 'the live play is a stream of its own until its export row comes');
    const third = await imp(write('Streaming_History_Audio_2024_2.json', [played]));
    expect(third.totals.streams_stored).to.equal(0, 'the export row is the live play');
    expect(third.totals.merged_duplicates).to.equal(1);
    expect(count()).to.equal(rows.length);
    expect(core.store.sql.get<{ n: number }>('SELECT sources AS n FROM streams WHERE id = ?', [live.inserted[0]!.id])!.n).to.equal(4 | 1);
  });
});
