import type { ContentType, IncomingStream } from '../../types.js';
import type { RowResult } from './listen.js';

/** Columns a Vibescope CSV export's header starts with (src/exports/rows.ts EXPORT_FIELDS). */
export const VIBESCOPE_CSV_MARKERS = ['account', 'ended_at', 'ended_at_utc', 'ms_played'] as const;

/** True when a CSV header row is a Vibescope export's. */
export function isVibescopeCsvHeader(record: string[]): boolean {
  return VIBESCOPE_CSV_MARKERS.every((m, i) => record[i]?.trim() === m);
}

type Obj = Record<string, unknown>;
const CONTENT: readonly ContentType[] = ['track', 'episode', 'audiobook'];

/** A number from JSON, or from CSV text; null for empty. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return null;
}
/** A boolean from JSON, or `true`/`false` from CSV; null for empty. */
function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  return v === 'true' ? true : v === 'false' ? false : null;
}
/** A string, null for empty. */
function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * One stream of a Vibescope export (CSV or JSON, src/exports/rows.ts) → a record with the fields it
 * had, source `import-vibescope` (so a Spotify export imported again afterwards merges with it by
 * the same-stream rule instead of being counted twice). The import's account is used, not the row's.
 */
export function fromVibescopeRow(raw: unknown, account: string): RowResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not a JSON object' };
  const r = raw as Obj;
  const endedAt = num(r.ended_at);
  const msPlayed = num(r.ms_played);
  if (endedAt === null) return { ok: false, reason: `ended_at: ${JSON.stringify(r.ended_at ?? null)} is not ms since the epoch` };
  if (msPlayed === null || msPlayed < 0) return { ok: false, reason: `ms_played: ${JSON.stringify(r.ms_played ?? null)} is not a number of ms` };
  const content = CONTENT.find((c) => c === r.content) ?? 'track';
  const name = str(r.track_name);
  if (!name) return { ok: false, reason: 'track_name: empty' };
  const uri = str(r.track_uri);
  const artist = str(r.artist_name);
  const album = str(r.album_name);
  const record: IncomingStream = {
    account, source: 'import-vibescope', ended_at: endedAt, ms_played: msPlayed,
    track: { uri, name, content, artists: artist ? [{ spotify_id: null, name: artist }] : [],
      album: album ? { spotify_id: null, name: album, image_url: null } : null, duration_ms: num(r.duration_ms), isrc: str(r.isrc) },
    reason_start: str(r.reason_start), reason_end: str(r.reason_end), skipped: bool(r.skipped), shuffle: bool(r.shuffle),
    offline: bool(r.offline), incognito: bool(r.incognito), platform: str(r.platform), device: str(r.device), context_uri: str(r.context_uri),
  };
  return { ok: true, record };
}
