import { detectFormat, fromAccountRow, fromExtendedRow, RowShare, type RowFormat, type RowResult } from '../rows.js';
import { BadRow, ParseError, type CsvLine } from './containers.js';
import { CSV_COMMENT_RE, type FileFormat, type Sniffed } from './sniff.js';
import { fromListenBrainzListen } from './listenbrainz.js';
import { fromVibescopeRow, isVibescopeCsvHeader } from './vibescope.js';
import { csvHeader, csvTime, fromCsvRow, fromMalojaScrobble, fromPanoScrobblerLine, fromScrobblerLogLine } from './scrobblers.js';

export { sniffFormat, FILE_FORMATS, SNIFF_BYTES, type FileFormat, type Sniffed } from './sniff.js';
export { fromListenBrainzListen } from './listenbrainz.js';
export { listenedAtProblem, spotifyTrackUri, mbidOf, LISTEN_MINIMUM_TS } from './listen.js';

const SPOTIFY_FORMATS: ReadonlySet<RowFormat> = new Set(['extended', 'account-music', 'account-podcast', 'account-audiobook']);

/** What a converter needs besides the row. */
export interface ConverterOptions {
  /** How the file's rows are laid out (decides which converter a row goes to). */
  fileFormat: FileFormat;
  account: string;
  /** IANA zone of a `.scrobbler.log` written under `#TZ/UNKNOWN` (the player's local time). */
  timeZone: string;
  now?: () => number;
}

/** The row format the layout implies, where it implies one (JSON arrays and lines are decided by their first object row). */
const FORMAT_OF: Partial<Record<FileFormat, RowFormat>> = {
  maloja: 'maloja', 'listenbrainz-payload': 'listenbrainz', 'scrobbler-log': 'scrobbler-log', csv: 'lastfm-csv', 'vibescope-json': 'vibescope',
};

/**
 * Turns the raw rows of one file (parse.ts rowsOf) into records. The row format comes from the file
 * format, or, for JSON arrays and JSON lines, from the first row that is an object (Spotify extended
 * or account data, a ListenBrainz listen, a Pano Scrobbler line).
 */
export function createRowConverter({ fileFormat, account, timeZone, now = Date.now }: ConverterOptions) {
  let format: RowFormat | null = FORMAT_OF[fileFormat] ?? null;
  const share = new RowShare(); // the file's Spotify rows share their tracks and strings (rows.ts)
  function convert(value: unknown): RowResult {
    if (value instanceof BadRow) return { ok: false, reason: value.reason };
    if (format === null) {
      format = detectFormat(value);
      if (fileFormat === 'json-lines' && format !== null && SPOTIFY_FORMATS.has(format)) {
        throw new ParseError('expected a JSON array of streams at the top level (a Spotify history file is one JSON array)');
      }
    }
    switch (format) {
      case null:
        return { ok: false, reason: 'not a listening-history row (no ts/ms_played, endTime/msPlayed, listened_at/track_metadata or timeMs/track)' };
      case 'extended': return fromExtendedRow(value, account, share);
      case 'account-music': case 'account-podcast': case 'account-audiobook': return fromAccountRow(value, format, account, share);
      case 'listenbrainz': return fromListenBrainzListen(value, account, 'import-listenbrainz', now());
      case 'panoscrobbler': return fromPanoScrobblerLine(value, account, now());
      case 'maloja': return fromMalojaScrobble(value, account, now());
      case 'scrobbler-log': return fromScrobblerLogLine(value, account, timeZone, now());
      case 'lastfm-csv': case 'vibescope': {
        if (fileFormat === 'vibescope-json') return fromVibescopeRow(value, account);
        const line = value as CsvLine;
        if (line.named) { format = 'vibescope'; return fromVibescopeRow(line.named, account); }
        return fromCsvRow(line.record, line.columns, line.headerless, account, now());
      }
    }
  }
  return {
    convert,
    /** The row format decided so far (null until a row decides it). */
    get format(): RowFormat | null { return format; },
  };
}

/**
 * Whether a sniffed file is listening history (used for files in a folder or zip that are not named as
 * Spotify history): a .scrobbler.log, a Maloja export or a ListenBrainz payload; JSON whose first row
 * is a known row; a CSV whose first line is a header naming artist, track and time, or a headerless
 * row of 4 columns ending in a time.
 */
export function looksLikeHistory(sniffed: Sniffed, head: Buffer): boolean {
  if (sniffed.format === 'json-array' || sniffed.format === 'json-lines') return detectFormat(sniffed.firstRow) !== null;
  if (sniffed.format !== 'csv') return true;
  const first = head.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '' && !CSV_COMMENT_RE.test(l)) ?? '';
  const fields = first.split(',');
  return csvHeader(fields) !== null || isVibescopeCsvHeader(fields) || (fields.length === 4 && Number.isFinite(csvTime(fields[3]!.replace(/"/g, ''))));
}

/** A row converter. */
export type RowConverter = ReturnType<typeof createRowConverter>;
