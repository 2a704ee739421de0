import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fretsOnFireSongs } from './fretsonfire.js';

/**
 * Real recordings from Debian's game-music packages, for the descriptors that have a reference
 * independent of our code on any recording (loudness: ffmpeg's ebur128 filter on the stereo
 * stream; spectral centroid: a direct FFT in the test). Tempo and key need a chart or score and
 * come from fretsonfire.ts and scores.ts instead.
 */
export const HYPERROGUE_MUSIC = '/usr/share/hyperrogue/music';
export const FROZEN_BUBBLE_SOUND = '/usr/share/games/frozen-bubble/snd';
const PACKAGES = 'apt-get install -y fretsonfire-songs-muldjord fretsonfire-songs-sectoid hyperrogue-music frozen-bubble-data (.ci/run installs them)';

/**
 * Three of hyperrogue-music's Ogg files (hr-savino-caribbean, -ivory, -ocean) have headers that
 * Debian's ffmpeg 5.1 rejects ("Header processing failed"): real unreadable input, kept apart.
 */
export const UNREADABLE_OGG = ['hr-savino-caribbean.ogg', 'hr-savino-ivory.ogg', 'hr-savino-ocean.ogg'];

export interface Recording { name: string; audio: string; pack: string }

/** The readable recordings: the 8 Frets on Fire songs, hyperrogue's music and frozen-bubble's three tunes. */
export function debianRecordings(): Recording[] {
  for (const dir of [HYPERROGUE_MUSIC, FROZEN_BUBBLE_SOUND]) if (!existsSync(dir)) throw new Error(`real music missing (${dir}): ${PACKAGES}`);
  const out: Recording[] = fretsOnFireSongs().map((s) => ({ name: s.name, audio: s.audio, pack: 'fretsonfire' }));
  for (const f of readdirSync(HYPERROGUE_MUSIC).filter((f) => f.endsWith('.ogg') && !UNREADABLE_OGG.includes(f)).sort()) {
    out.push({ name: `hyperrogue/${f}`, audio: path.join(HYPERROGUE_MUSIC, f), pack: 'hyperrogue-music' });
  }
  for (const f of ['frozen-mainzik-1p.ogg', 'frozen-mainzik-2p.ogg', 'introzik.ogg']) {
    out.push({ name: `frozen-bubble/${f}`, audio: path.join(FROZEN_BUBBLE_SOUND, f), pack: 'frozen-bubble-data' });
  }
  return out;
}
