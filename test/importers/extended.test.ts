import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR, ACCOUNT_DIR } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';

/** The expected counts of an extended-history file, by a separate simple pass over its JSON. */
function expectedExtended(file: string) {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as any[];
  let plays = 0; let skips = 0; let episodes = 0; let ms = 0;
  for (const r of rows) {
    if (!r.spotify_track_uri) { episodes++; continue; }
    ms += r.ms_played;
    if (r.ms_played >= 30000) plays++;
    else if (r.skipped === true || r.reason_end === 'fwdbtn' || r.reason_end === 'backbtn') skips++;
  }
  return { rows: rows.length, plays, skips, episodes, ms };
}

const extendedFiles = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).map((f) => path.join(EXTENDED_DIR, f));

describe('importers: Spotify extended streaming history (real exports)', function () {
  this.timeout(60_000);
  let core: Awaited<ReturnType<typeof buildCore>>;
  beforeEach(async () => { core = await buildCore(); });
  afterEach(async () => { await core.close(); });

  it('stores every row of the real exports with the right plays, skips and listening time', async () => {
    const report = await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    expect(report.ok).to.equal(true);
    const expected = extendedFiles.map(expectedExtended);
    const sum = (k: keyof ReturnType<typeof expectedExtended>) => expected.reduce((a, e) => a + e[k], 0);
    expect(report.files).to.have.length(extendedFiles.length);
    expect(report.totals.rows_read).to.equal(sum('rows'));
    expect(report.totals.streams_stored).to.equal(sum('rows'), 'distinct streams of one track seconds apart are NOT merged');
    expect(report.totals.plays).to.equal(sum('plays'));
    expect(report.totals.skips).to.equal(sum('skips'));
    expect(report.totals.rows_rejected).to.equal(0);
    const all = core.stats.summary({ from: 0, to: Date.now() });
    expect(all.plays).to.equal(sum('plays'));
    expect(all.skips).to.equal(sum('skips'));
    expect(all.listening_ms).to.equal(sum('ms'));
    const episodes = core.store.sql.get<{ n: number }>("SELECT count(*) AS n FROM streams WHERE content = 1 AND kind = 0")!.n;
    expect(episodes).to.equal(sum('episodes'), 'episodes are stored as episodes, never as plays');
  });

  it('re-importing the same files changes nothing', async () => {
    await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    const before = core.stats.summary({ from: 0, to: Date.now() });
    const again = await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    expect(again.ok).to.equal(true);
    expect(again.totals.streams_stored).to.equal(0);
    expect(again.totals.already_imported).to.equal(again.totals.rows_read);
    expect(core.stats.summary({ from: 0, to: Date.now() })).to.deep.equal(before);
  });

  it('imports my_spotify_data.zip (streamed through fflate) like the folder', async () => {
    const tmp = await tempDir();
    try {
      const file = extendedFiles.find((f) => f.includes('2026'))!;
      const zip = zipSync({
        'Spotify Extended Streaming History/Streaming_History_Audio_2026.json': readFileSync(file),
        'Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf': strToU8('%PDF-1.4 not history'),
      });
      const zipPath = path.join(tmp.dir, 'my_spotify_data.zip');
      writeFileSync(zipPath, zip);
      const report = await core.importer.importPaths([zipPath], { account: 'default' });
      expect(report.ok).to.equal(true);
      expect(report.files).to.have.length(1);
      expect(report.files[0]!.file).to.match(/my_spotify_data\.zip:.*Streaming_History_Audio_2026\.json$/);
      expect(report.totals.streams_stored).to.equal(expectedExtended(file).rows);
    } finally { await tmp.remove(); }
  });

  it('imports account data with name-based identity and does not double count the overlap with the extended export', async () => {
    // Build an extended export from the account rows (same streams, seconds-precision ts, URIs) and import both.
    const music = JSON.parse(readFileSync(path.join(ACCOUNT_DIR, 'erin_StreamingHistory_music_1.json'), 'utf8')) as any[];
    const slice = music.slice(0, 500);
    const extended = slice.map((r, i) => ({
      ts: `${r.endTime.replace(' ', 'T')}:${String(17 + (i % 30)).padStart(2, '0')}Z`, ms_played: r.msPlayed,
      spotify_track_uri: `spotify:track:${createHash('sha1').update(`${r.artistName}|${r.trackName}`).digest('hex').slice(0, 22)}`,
      master_metadata_track_name: r.trackName, master_metadata_album_artist_name: r.artistName,
      master_metadata_album_album_name: 'Album', reason_start: 'trackdone', reason_end: 'trackdone', skipped: false,
    }));
    const tmp = await tempDir();
    try {
      writeFileSync(path.join(tmp.dir, 'StreamingHistory_music_0.json'), JSON.stringify(slice));
      writeFileSync(path.join(tmp.dir, 'Streaming_History_Audio_2024.json'), JSON.stringify(extended));
      const first = await core.importer.importPaths([path.join(tmp.dir, 'StreamingHistory_music_0.json')], { account: 'default' });
      expect(first.totals.streams_stored).to.equal(500);
      const second = await core.importer.importPaths([path.join(tmp.dir, 'Streaming_History_Audio_2024.json')], { account: 'default' });
      expect(second.totals.merged_duplicates + second.totals.streams_stored).to.equal(500);
      expect(second.totals.merged_duplicates).to.equal(500, 'each extended row is one account row seen again');
      const stored = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;
      expect(stored).to.equal(500 + second.totals.streams_stored);
    } finally { await tmp.remove(); }
  });

  it('imports real account-data music, podcast and audiobook files (episodes and chapters are not plays)', async () => {
    const report = await core.importer.importPaths([ACCOUNT_DIR], { account: 'default' });
    expect(report.ok).to.equal(true);
    const music = JSON.parse(readFileSync(path.join(ACCOUNT_DIR, 'erin_StreamingHistory_music_1.json'), 'utf8')) as any[];
    const podcast = JSON.parse(readFileSync(path.join(ACCOUNT_DIR, 'erin_StreamingHistory_podcast_0.json'), 'utf8')) as any[];
    const book = JSON.parse(readFileSync(path.join(ACCOUNT_DIR, 'erin_StreamingHistory_audiobook_0.json'), 'utf8')) as any[];
    expect(report.totals.rows_read).to.equal(music.length + podcast.length + book.length);
    expect(report.totals.plays).to.equal(music.filter((r) => r.msPlayed >= 30000).length);
    expect(report.totals.skips).to.equal(0, 'account data carries no skip information');
    expect(core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(music.filter((r) => r.msPlayed >= 30000).length);
  });
});
