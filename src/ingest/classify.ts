import type { ContentType, StreamKind } from '../types.js';

/** Spotify's own rule: a stream counts as a play from 30 s of listening (PRODUCT.md "play"). */
export const PLAY_MIN_MS = 30_000;

/** reason_end values that mean the listener moved to another track (PRODUCT.md "skip"). */
export const SKIP_REASONS: ReadonlySet<string> = new Set(['fwdbtn', 'backbtn']);

/**
 * PRODUCT.md definitions: a track stream with ms_played >= 30 000 is a play; one under 30 000 that the
 * source marks skipped (export `skipped`, or the player watcher's detection against skip_threshold_s)
 * or that ended by fwdbtn/backbtn is a skip; everything else (episodes, short streams ended by an
 * error, logout or app close) is neither.
 */
export function classify(content: ContentType, msPlayed: number, skipped: boolean | null, reasonEnd: string | null): StreamKind {
  if (content !== 'track') return 'other';
  if (msPlayed >= PLAY_MIN_MS) return 'play';
  if (skipped === true || (reasonEnd !== null && SKIP_REASONS.has(reasonEnd))) return 'skip';
  return 'other';
}
