import type { Writable } from 'node:stream';
import type { Store } from '../store/index.js';
import { writeStreams, type ExportFormat, type ExportQuery, type ExportResult } from './streams.js';
import { m3u8, playsOf, type M3uResult, type PlaylistTrack } from './m3u.js';

export { EXPORT_FIELDS, EXPORT_VERSION, toExportRow, toListen, type ExportRow } from './rows.js';
export type { ExportFormat, ExportQuery, ExportResult } from './streams.js';
export type { M3uResult, PlaylistTrack } from './m3u.js';
export { createBackups, type Backups, type BackupResult, type RestoreResult } from './backup.js';

/** What exports read: the store, and the top list of the stats (for playlists of a top list). */
export interface ExportsDeps {
  store: Store;
  /** stats.top('tracks', …): the range's top tracks by plays. */
  topTracks?: (range: { from: number; to: number; account?: string | undefined }, limit: number) => { id: number; name: string; artist_name: string | null }[];
  /** Vibescope's version (named as the ListenBrainz submission client). */
  version?: string;
  now?: () => number;
}

/** MIME types and file extensions of the formats. */
export const EXPORT_TYPES: Record<ExportFormat | 'm3u8', { mime: string; ext: string }> = {
  csv: { mime: 'text/csv; charset=utf-8', ext: 'csv' },
  json: { mime: 'application/json; charset=utf-8', ext: 'json' },
  jsonl: { mime: 'application/x-ndjson; charset=utf-8', ext: 'jsonl' },
  m3u8: { mime: 'audio/x-mpegurl; charset=utf-8', ext: 'm3u8' },
};

/**
 * Exports in open formats (ARCHITECTURE.md "exports/"): the streams of a range and account as CSV or
 * JSON in Vibescope's schema, or as JSON lines in ListenBrainz's import format (to move to
 * ListenBrainz, Koito or Maloja), streamed in bounded memory; M3U8 playlists of a top list or of a
 * range's plays, made of the matched local files. Importing a CSV or JSON export into an empty
 * Vibescope gives back the same streams, plays, skips and listening time; a JSONL export the same
 * plays and listening time (it holds plays only, as ListenBrainz takes no skips).
 */
export function createExports({ store, topTracks, version = '0', now = Date.now }: ExportsDeps) {
  return {
    /** Streams an export into `out` (does not end it); see streams.ts writeStreams. */
    writeStreams: (format: ExportFormat, query: ExportQuery, out: Writable): Promise<ExportResult> =>
      writeStreams(store, format, query, out, { version, now }),
    /**
     * An M3U8 of the range's top tracks by plays (`what: 'top'`) or of its plays in order, each
     * track once (`what: 'plays'`), with at most `limit` tracks before unmatched ones are left out.
     */
    async playlist(what: 'top' | 'plays', query: ExportQuery, limit: number): Promise<M3uResult> {
      let tracks: PlaylistTrack[];
      if (what === 'top') {
        if (!topTracks) throw new Error('exports: no top list given');
        tracks = topTracks(query, limit).map((t) => ({ track_id: t.id, track_name: t.name, artist_name: t.artist_name, duration_ms: null }));
      } else {
        tracks = await playsOf(store, query, limit);
      }
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      return m3u8(store, tracks, `Vibescope ${what === 'top' ? 'top tracks' : 'plays'} ${day(Math.max(query.from, 0))} – ${day(Math.min(query.to, now()))}`);
    },
  };
}

/** The exports instance. */
export type Exports = ReturnType<typeof createExports>;
