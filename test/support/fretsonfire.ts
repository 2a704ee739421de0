import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where Debian's fretsonfire-songs-* packages put their songs. */
export const FOF_ROOT = '/usr/share/games/fretsonfire/data/songs';

/** The tempo (BPM) of a chart: the first Set Tempo meta event (FF 51 03 tt tt tt, µs per quarter note) of notes.mid. */
export function midiTempo(file: string): number | null {
  const b = readFileSync(file);
  for (let i = 0; i + 5 < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x51 && b[i + 2] === 0x03) return 60e6 / ((b[i + 3]! << 16) | (b[i + 4]! << 8) | b[i + 5]!);
  }
  return null;
}

/** The songs of the Frets on Fire packages with their chart tempo; throws naming the packages when absent. */
export function fretsOnFireSongs(): { name: string; audio: string; chart_bpm: number }[] {
  if (!existsSync(FOF_ROOT)) {
    throw new Error('real music missing: apt-get install -y fretsonfire-songs-muldjord fretsonfire-songs-sectoid (.ci/run installs them)');
  }
  const songs: { name: string; audio: string; chart_bpm: number }[] = [];
  for (const pack of readdirSync(FOF_ROOT).sort()) {
    const packDir = path.join(FOF_ROOT, pack);
    for (const song of readdirSync(packDir).sort()) {
      const dir = path.join(packDir, song);
      const mid = path.join(dir, 'notes.mid'); const audio = path.join(dir, 'song.ogg');
      if (!existsSync(mid) || !existsSync(audio)) continue;
      const bpm = midiTempo(mid);
      if (bpm) songs.push({ name: `${pack}/${song}`, audio, chart_bpm: bpm });
    }
  }
  if (songs.length === 0) throw new Error(`no songs with notes.mid under ${FOF_ROOT}`);
  return songs;
}

/**
 * The fixed split for tuning vs. evaluation: songs in sorted order, even positions tune (armygeddon,
 * internal_degeneration, Escape from chaosland, Metal madness), odd positions are held out
 * (chaos_god, mutilated_mime, Feelings, War of freedom). Each half has one half-time metal song.
 * Parameters were chosen looking only at the tuning half; the held-out half is reported, not tuned on.
 */
export function fretsOnFireHalves(): { tuning: ReturnType<typeof fretsOnFireSongs>; held_out: ReturnType<typeof fretsOnFireSongs> } {
  const songs = fretsOnFireSongs();
  return { tuning: songs.filter((_, i) => i % 2 === 0), held_out: songs.filter((_, i) => i % 2 === 1) };
}
