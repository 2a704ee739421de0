import type { ContentType, StreamKind } from '../types.js';

/** Spotify's own rule: a stream counts as a play from 30 s of listening (PRODUCT.md "play"). */
export const PLAY_MIN_MS = 30_000;

/** reason_end values that mean the listener moved to another track (PRODUCT.md "skip"). */
export const SKIP_REASONS: ReadonlySet<string> = new Set(['fwdbtn', 'backbtn']);

/** The default and largest skip_threshold_s, in ms: a skip can never outlast the play rule. */
export const SKIP_THRESHOLD_MAX_MS = PLAY_MIN_MS;

/**
 * PRODUCT.md definitions, with `skip_threshold_s` as the one knob (documented in DOCS.md):
 * - a track stream with ms_played >= 30 000 is a **play**, whatever else the source says;
 * - a track stream with ms_played < `skipThresholdMs` that the source marks skipped (the export's
 *   `skipped`, or the player watcher's detection) or that ended by fwdbtn/backbtn is a **skip**;
 * - everything else (episodes, short streams ended by an error, logout or app close, and streams
 *   between the threshold and 30 s) is neither.
 * The threshold is capped at 30 s (the play rule), so the two never overlap; the same rule applies to
 * every source, imported and live alike.
 */
export function classify(content: ContentType, msPlayed: number, skipped: boolean | null, reasonEnd: string | null,
  skipThresholdMs: number = SKIP_THRESHOLD_MAX_MS): StreamKind {
  if (content !== 'track') return 'other';
  if (msPlayed >= PLAY_MIN_MS) return 'play';
  if (msPlayed < skipThresholdMs && (skipped === true || (reasonEnd !== null && SKIP_REASONS.has(reasonEnd)))) return 'skip';
  return 'other';
}
