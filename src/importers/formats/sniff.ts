/**
 * What a history file is, decided from its first bytes (never from its name: uploads have random
 * names, and exports are renamed by people).
 */

/**
 * How a file's rows are laid out (journaled with the file so a replay parses it the same way):
 * - `json-array`: a JSON array of rows (Spotify extended / endsong / account-data history, or an older
 *   ListenBrainz export);
 * - `json-lines`: one JSON object per line (ListenBrainz "Export listens" `listens/YYYY/M.jsonl`, Pano Scrobbler);
 * - `maloja`: a Maloja export, `{"maloja": {...}, "scrobbles": [...]}`;
 * - `listenbrainz-payload`: a ListenBrainz submit-listens body `{"payload": [...]}` or a
 *   `GET /1/user/{user}/listens` answer `{"payload": {"listens": [...]}}`;
 * - `scrobbler-log`: an Audioscrobbler 1.1 `.scrobbler.log` (Rockbox; tab-separated);
 * - `csv`: a Libre.fm / Last.fm CSV, with or without a header, or a Vibescope CSV export;
 * - `vibescope-json`: a Vibescope JSON export, `{"vibescope_export": {...}, "streams": [...]}` (src/exports/).
 */
export type FileFormat = 'json-array' | 'json-lines' | 'maloja' | 'listenbrainz-payload' | 'scrobbler-log' | 'csv' | 'vibescope-json';

/** Every file format (the journal's schema accepts these). */
export const FILE_FORMATS: readonly FileFormat[] = ['json-array', 'json-lines', 'maloja', 'listenbrainz-payload', 'scrobbler-log', 'csv',
  'vibescope-json'];

/** Bytes of a file looked at to decide its format. */
export const SNIFF_BYTES = 64 * 1024;

/** The format of a file and, for JSON rows, the keys of its first row object (null when there is none in the head). */
export interface Sniffed { format: FileFormat; firstRow: Record<string, unknown> | null }

/** Lines that a Libre.fm / Last.fm CSV treats as comments: `#…`, and `+ACM-…` (`#` in UTF-7, as Libre.fm writes it). */
export const CSV_COMMENT_RE = /^\s*(#|\+ACM-)/;

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

/**
 * The first element of a JSON array in `text` (which may be cut anywhere after it), or null: finds
 * where the first `{…}` ends by counting brackets outside strings, then parses just that.
 */
export function firstArrayObject(text: string): Record<string, unknown> | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        try { return asObject(JSON.parse(text.slice(start, i + 1))); } catch { return null; } // not JSON after all: no first row
      }
    }
  }
  return null;
}

/**
 * Decides a file's format from its first {@link SNIFF_BYTES} bytes (`complete` when that is the whole file).
 * @returns the format, or null when it is none Vibescope reads.
 */
export function sniffFormat(head: Buffer, complete: boolean): Sniffed | null {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('#AUDIOSCROBBLER/')) return { format: 'scrobbler-log', firstRow: null };
  if (trimmed.startsWith('[')) return { format: 'json-array', firstRow: firstArrayObject(trimmed) };
  if (trimmed.startsWith('{')) {
    if (/^\{\s*"vibescope_export"\s*:/.test(trimmed)) return { format: 'vibescope-json', firstRow: null };
    // JSON lines: one of the first lines is a whole object on its own (a broken first line is a rejected row).
    const lines = trimmed.split(/\r?\n/, 6).slice(0, complete ? 6 : 5).filter((l) => l.trim() !== '');
    for (const line of lines) {
      let value: Record<string, unknown> | null;
      try { value = asObject(JSON.parse(line)); } catch { continue; } // not a whole line of JSON: try the next
      if (!value) continue;
      if (Array.isArray(value.scrobbles)) return { format: 'maloja', firstRow: null };
      if ('payload' in value && !('track_metadata' in value)) return { format: 'listenbrainz-payload', firstRow: null };
      return { format: 'json-lines', firstRow: value };
    }
    // One JSON document across lines.
    if (/"scrobbles"\s*:/.test(trimmed)) return { format: 'maloja', firstRow: null };
    if (/"payload"\s*:/.test(trimmed)) return { format: 'listenbrainz-payload', firstRow: null };
    return null;
  }
  const first = trimmed.split(/\r?\n/).find((l) => l.trim() !== '' && !CSV_COMMENT_RE.test(l));
  if (first !== undefined && first.includes(',')) return { format: 'csv', firstRow: null };
  return null;
}
