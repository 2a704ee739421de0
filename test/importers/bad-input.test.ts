import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';

const realRows = (): any[] => JSON.parse(readFileSync(path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json'), 'utf8'));

describe('importers: bad input gets a clear error and nothing half-stored', () => {
  let core: Awaited<ReturnType<typeof buildCore>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { core = await buildCore(); tmp = await tempDir(); });
  afterEach(async () => { await core.close(); await tmp.remove(); });

  const write = (name: string, content: string | Uint8Array) => {
    const file = path.join(tmp.dir, name);
    writeFileSync(file, content);
    return file;
  };
  const stored = () => core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;

  it('truncated JSON: the file fails, naming it, and none of its rows is stored', async () => {
    const text = JSON.stringify(realRows().slice(0, 300));
    const file = write('Streaming_History_Audio_2026.json', text.slice(0, Math.floor(text.length * 0.7)));
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.include(file).and.to.match(/not valid JSON \(truncated or damaged\)/);
    expect(stored()).to.equal(0);
  });

  it('a row that is not JSON inside a well-formed array: the file fails, and its report counts the rows before it', async () => {
    const rows = realRows().slice(0, 600).map((r) => JSON.stringify(r));
    rows[420] = '{"ts": not-json}';
    const file = write('Streaming_History_Audio_2026.json', `[${rows.join(',')}]`);
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.files[0]!.error).to.match(/not valid JSON \(truncated or damaged\)/);
    expect(report.files[0]!.rows_read, 'rows 0–419 were read, past the first slice of 256').to.equal(420);
    expect(stored()).to.equal(0);
  });

  it('a truncated file next to a good one: the good one is stored whole, the bad one not at all', async () => {
    const rows = realRows();
    const good = write('Streaming_History_Audio_2025.json', JSON.stringify(rows.slice(0, 100)));
    const bad = write('Streaming_History_Audio_2026.json', JSON.stringify(rows.slice(100, 400)).slice(0, -200));
    const report = await core.importer.importPaths([good, bad], { account: 'default' });
    expect(report.ok).to.equal(true);
    expect(report.files.map((f) => f.error === null)).to.deep.equal([true, false]);
    expect(stored()).to.equal(100);
    const rollupPlays = core.store.sql.get<{ n: number }>('SELECT sum(plays) AS n FROM daily_stats')!.n;
    expect(rollupPlays).to.equal(rows.slice(0, 100).filter((r) => r.spotify_track_uri && r.ms_played >= 30000).length, 'rollups rolled back too');
  });

  it('wrong shape (an object, not an array): a clear error', async () => {
    const file = write('Streaming_History_Audio_2020.json', JSON.stringify({ ts: '2024-01-01T00:00:00Z', ms_played: 1 }));
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.include('expected a JSON array of streams');
  });

  it('an array of something else: every row rejected with its index, and the import is an error', async () => {
    const file = write('Playlist1.json', JSON.stringify([{ name: 'x' }, { name: 'y' }]));
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.error).to.include('nothing imported');
    expect(report.files[0]!.error).to.include('none of its 2 rows is a valid stream');
  });

  it('a zip without history: a clear error naming the zip', async () => {
    const file = write('my_spotify_data.zip', zipSync({ 'Spotify Account Data/Userdata.json': strToU8('{"username":"x"}') }));
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.include(file).and.to.include('holds no Spotify streaming history');
  });

  it('a 0-byte file: a clear error', async () => {
    const file = write('Streaming_History_Audio_2024.json', '');
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.include('empty file (0 bytes)');
  });

  it('unknown fields are accepted and reported', async () => {
    const rows = realRows().slice(0, 10).map((r) => ({ ...r, shiny_new_field: 42 }));
    const report = await core.importer.importPaths([write('Streaming_History_Audio_2026.json', JSON.stringify(rows))], { account: 'default' });
    expect(report.ok).to.equal(true);
    expect(report.files[0]!.unknown_fields).to.deep.equal(['shiny_new_field']);
    expect(stored()).to.equal(10);
  });

  it('dates in unexpected formats and malformed rows are rejected with file and index; the rest is stored', async () => {
    const rows: any[] = realRows().slice(0, 20);
    rows[3] = { ...rows[3], ts: '12/31/2025 23:59' };
    rows[7] = { ...rows[7], ts: '2024-08-02 11:56:55' };
    rows[11] = { ...rows[11], ms_played: 'lots' };
    rows[15] = { ...rows[15], ts: '1999-01-01T00:00:00Z' };
    rows[17] = { ...rows[17], ts: '2024-02-30T10:00:00Z' };
    rows[18] = { ...rows[18], ts: '2024-01-01T24:00:00Z' };
    const report = await core.importer.importPaths([write('Streaming_History_Audio_2026.json', JSON.stringify(rows))], { account: 'default' });
    const f = report.files[0]!;
    expect(report.ok).to.equal(true);
    expect(f.rows_rejected).to.equal(6);
    expect(f.rejected.map((r) => r.index)).to.deep.equal([3, 7, 11, 15, 17, 18]);
    expect(f.rejected[4]!.reason).to.match(/not a date that exists/);
    expect(f.rejected[5]!.reason).to.match(/not a date that exists/);
    expect(f.rejected[0]!.reason).to.match(/ts: .*ISO-8601/);
    expect(f.rejected[2]!.reason).to.match(/ms_played/);
    expect(f.rejected[3]!.reason).to.include('before 2006');
    expect(stored()).to.equal(14);
  });

  it('account-data rows with dates that do not exist are rejected, not rolled over to the next month', async () => {
    const rows = [{ endTime: '2024-02-30 10:00', artistName: 'A', trackName: 'T', msPlayed: 100000 },
      { endTime: '2024-02-28 10:00', artistName: 'A', trackName: 'T', msPlayed: 100000 }];
    const report = await core.importer.importPaths([write('StreamingHistory_music_0.json', JSON.stringify(rows))], { account: 'default' });
    expect(report.files[0]!.rejected).to.deep.equal([{ index: 0, reason: 'endTime: not a date that exists (such as 2024-02-30 or 24:00)' }]);
    expect(stored()).to.equal(1);
  });

  it('a missing path: a clear error', async () => {
    const report = await core.importer.importPaths([path.join(tmp.dir, 'nope.zip')], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.include('no such file or folder');
  });
});
