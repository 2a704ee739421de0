import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { extendedRowSchema, accountMusicRowSchema, accountPodcastRowSchema, accountAudiobookRowSchema, fromExtendedRow, fromAccountRow, RowShare }
  from '../../src/importers/rows.js';
import { EXTENDED_DIR, ACCOUNT_DIR } from '../support/fixtures.js';

const rowsIn = (dir: string, match: RegExp): Record<string, unknown>[] => readdirSync(dir).filter((f) => match.test(f))
  .flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>[]);

/** Each row as it is, and damaged in every way a field can be: wrong type, missing, out of range, badly formed. */
function variants(row: Record<string, unknown>): unknown[] {
  const out: unknown[] = [row, null, [], 'row', 42];
  for (const key of Object.keys(row)) {
    const { [key]: _dropped, ...without } = row;
    out.push(without, { ...row, [key]: null }, { ...row, [key]: 7 }, { ...row, [key]: 'x' }, { ...row, [key]: true }, { ...row, [key]: -1.5 });
  }
  return out;
}

// The importer checks rows with zod's compiled validator (z.compile) and asks the runtime parser only for a refused
// row's message; the runtime parser, zod's reference path, is the independent pass the answers are held against.
describe('importers: rows are checked by the compiled schema exactly as by zod\'s runtime parser', () => {
  it('accepts and refuses every real and damaged extended row as safeParse does, with its message', () => {
    const rows = rowsIn(EXTENDED_DIR, /\.json$/).slice(0, 400);
    expect(rows.length).to.be.greaterThan(100);
    let refused = 0;
    for (const row of rows) {
      for (const v of variants(row)) {
        const reference = extendedRowSchema.safeParse(v);
        const result = fromExtendedRow(v, 'default');
        if (!reference.success) {
          refused++;
          expect(result.ok, JSON.stringify(v)).to.equal(false);
          if (!result.ok) expect(result.reason).to.include(reference.error.issues[0]!.path.join('.') || 'row');
        } else if (!result.ok) {
          // Accepted by the schema: refused only by the checks after it (no URI, an impossible or out-of-range time).
          expect(result.reason, JSON.stringify(v)).to.match(/^(no spotify_track_uri|ts: )/);
        }
      }
    }
    expect(refused, 'damaged rows were tried').to.be.greaterThan(1000);
  });

  it('reads an accepted row\'s fields as the runtime parser returns them', () => {
    for (const row of rowsIn(EXTENDED_DIR, /\.json$/).slice(0, 400)) {
      const reference = extendedRowSchema.parse(row);
      const result = fromExtendedRow(row, 'default');
      if (!result.ok) continue;
      expect(result.record.ms_played).to.equal(reference.ms_played);
      expect(result.record.track.uri).to.equal(reference.spotify_track_uri ?? reference.spotify_episode_uri ?? reference.audiobook_chapter_uri ?? reference.audiobook_uri);
      expect(result.record.reason_end).to.equal(reference.reason_end ?? null);
      expect(result.record.skipped).to.equal(reference.skipped ?? null);
      expect(result.record.platform).to.equal(reference.platform ?? null);
    }
  });

  it('does the same for the account-data formats', () => {
    const cases = [
      { match: /music/, schema: accountMusicRowSchema, format: 'account-music' as const },
      { match: /podcast/, schema: accountPodcastRowSchema, format: 'account-podcast' as const },
      { match: /audiobook/, schema: accountAudiobookRowSchema, format: 'account-audiobook' as const },
    ];
    for (const { match, schema, format } of cases) {
      const rows = rowsIn(ACCOUNT_DIR, match).slice(0, 100);
      expect(rows.length, format).to.be.greaterThan(0);
      for (const row of rows) {
        for (const v of variants(row)) {
          const reference = schema.safeParse(v);
          const result = fromAccountRow(v, format, 'default');
          if (!reference.success) expect(result.ok, JSON.stringify(v)).to.equal(false);
          else if (!result.ok) expect(result.reason).to.match(/^endTime: /);
        }
      }
    }
  });
});

describe('importers: the rows of one file share their tracks and strings', () => {
  it('gives each real row its own names, and a row naming an earlier row\'s track that track\'s object', () => {
    const rows = rowsIn(EXTENDED_DIR, /\.json$/) as Record<string, any>[];
    const share = new RowShare();
    const seen = new Map<string, { names: string; track: object }>();
    let shared = 0;
    for (const row of rows) {
      const result = fromExtendedRow(row, 'default', share);
      const alone = fromExtendedRow(row, 'default');
      expect(result).to.deep.equal(alone);
      if (!result.ok || !row.spotify_track_uri) continue;
      // Read straight off the row: what the record must say whatever it shares.
      const { track } = result.record;
      expect(track.uri).to.equal(row.spotify_track_uri);
      expect(track.name).to.equal(row.master_metadata_track_name ?? '(unknown track)');
      expect(track.artists.map((a) => a.name)).to.deep.equal(row.master_metadata_album_artist_name ? [row.master_metadata_album_artist_name] : []);
      expect(track.album?.name ?? null).to.equal(row.master_metadata_album_album_name || null);
      expect(result.record.platform).to.equal(row.platform ?? null);
      // Shared when the URI's last row before named it alike (the renamed case: next test).
      const names = JSON.stringify([row.master_metadata_track_name, row.master_metadata_album_artist_name || null, row.master_metadata_album_album_name || null]);
      const before = seen.get(row.spotify_track_uri);
      if (before?.names === names) { shared++; expect(track).to.equal(before.track, 'the same object as the earlier row\'s'); }
      else expect(track).to.not.equal(before?.track);
      seen.set(row.spotify_track_uri, { names, track });
    }
    expect(shared, 'real exports repeat tracks').to.be.greaterThan(1000);
  });

  it('builds its own track for a URI named with other names (a renamed track), and keeps account-data tracks apart by artist', () => {
    const share = new RowShare();
    const row = { ts: '2024-08-02T11:56:55Z', ms_played: 200_000, spotify_track_uri: 'spotify:track:4uLU6hMCjMI75M1A2tKUQC',
      master_metadata_track_name: 'Song', master_metadata_album_artist_name: 'Artist', master_metadata_album_album_name: 'Album' };
    const first = fromExtendedRow(row, 'default', share);
    const renamed = fromExtendedRow({ ...row, master_metadata_track_name: 'Song (Remastered)' }, 'default', share);
    const again = fromExtendedRow({ ...row, ts: '2024-08-02T12:00:00Z' }, 'default', share);
    if (!first.ok || !renamed.ok || !again.ok) throw new Error('rows refused');
    expect(renamed.record.track.name).to.equal('Song (Remastered)');
    expect(first.record.track.name).to.equal('Song');
    expect(again.record.track).to.not.equal(first.record.track, 'the renamed row took the URI\'s place');
    expect(again.record.track.name).to.equal('Song');
    const music = (artistName: string) => fromAccountRow({ endTime: '2023-10-02 23:43', artistName, trackName: 'Intro', msPlayed: 90_000 }, 'account-music', 'default', share);
    const a = music('Artist A'); const b = music('Artist B'); const a2 = music('Artist A');
    if (!a.ok || !b.ok || !a2.ok) throw new Error('rows refused');
    expect(b.record.track.artists[0]!.name).to.equal('Artist B');
    expect(a2.record.track.artists[0]!.name).to.equal('Artist A');
    expect(a2.record.track.uri).to.equal(null);
  });
});
