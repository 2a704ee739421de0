import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Folk tunes with a written key and tempo: the ABC scores Debian's abcmidi package ships as
 * examples, rendered to audio by abc2midi and fluidsynth with the small General MIDI sound font of
 * timgm6mb-soundfont. The reference comes from the score itself (the K: and Q: fields), never
 * from our analysis. Only tunes in one plain major or minor key (no modes, no key change) are used.
 */
export const ABC_EXAMPLES = '/usr/share/doc/abcmidi/examples';
export const SOUNDFONT = '/usr/share/sounds/sf2/TimGM6mb.sf2';
const PACKAGES = 'apt-get install -y --no-install-recommends abcmidi fluidsynth timgm6mb-soundfont (.ci/run installs them)';

export interface ScoreTune {
  name: string;
  abc: string;
  x: number;
  /** Tonic as our pitch-class names (sharps) and mode, from K:. */
  key: string;
  mode: 'major' | 'minor';
  /** The beat tempo from Q: (the dotted quarter in 6/8, 9/8, 12/8; the quarter otherwise), or null without Q:. */
  beat_bpm: number | null;
}

/** Example files that demonstrate abc2midi features rather than tunes, and a Persian dastgah (not major/minor). */
const NOT_TONAL_TUNES = [/^drums\.abc$/, /^temperament\.abc$/, /^detune\.abc$/, /Daramad/];

const SHARP_NAMES: Record<string, string> = { Cb: 'B', Db: 'C#', Eb: 'D#', Fb: 'E', Gb: 'F#', Ab: 'G#', Bb: 'A#', 'E#': 'F', 'B#': 'C' };

function parseKey(field: string): { key: string; mode: 'major' | 'minor' } | null {
  const m = /^([A-G])([#b]?)(m|min|maj|major|minor)?$/i.exec(field.replace(/%.*/, '').trim());
  if (!m) return null;
  const name = m[1]!.toUpperCase() + m[2]!;
  return { key: SHARP_NAMES[name] ?? name, mode: m[3] && /^m(in(or)?)?$/i.test(m[3]) ? 'minor' : 'major' };
}

function parseBeat(q: string | undefined, meter: string | undefined): number | null {
  const m = q ? /^(\d+)\/(\d+)\s*=\s*(\d+(?:\.\d+)?)/.exec(q.trim()) : null;
  if (!m) return null;
  const quarter = (Number(m[3]) * Number(m[1])) / Number(m[2]) * 4;
  const compound = meter ? /^(6|9|12)\/8/.test(meter.trim()) : false;
  return compound ? (quarter * 2) / 3 : quarter;
}

/** The usable tunes of the abcmidi examples; throws naming the packages when they are absent. */
export function scoreTunes(): ScoreTune[] {
  if (!existsSync(ABC_EXAMPLES)) throw new Error(`scores missing (${ABC_EXAMPLES}): ${PACKAGES}`);
  const tunes: ScoreTune[] = [];
  for (const file of readdirSync(ABC_EXAMPLES).filter((f) => f.endsWith('.abc') && !NOT_TONAL_TUNES.some((r) => r.test(f))).sort()) {
    const abc = path.join(ABC_EXAMPLES, file);
    const text = readFileSync(abc, 'latin1');
    for (const block of text.split(/^(?=X:)/m).filter((b) => /^X:/.test(b))) {
      const fields = (name: string) => [...block.matchAll(new RegExp(`^${name}:\\s*(.*)$`, 'gm'))].map((m) => m[1]!);
      const keys = fields('K');
      if (keys.length !== 1 || /\[K:/.test(block)) continue;               // a key change: no single reference
      const key = parseKey(keys[0]!);
      if (!key) continue;
      const x = Number(fields('X')[0]);
      if (NOT_TONAL_TUNES.some((r) => r.test(fields('T')[0] ?? ''))) continue;
      tunes.push({ name: `${file.replace(/\.abc$/, '')}#${x} ${fields('T')[0]?.trim() ?? ''}`.trim(), abc, x, ...key,
        beat_bpm: parseBeat(fields('Q')[0], fields('M')[0]) });
    }
  }
  return tunes;
}

/**
 * Renders a tune to a 44.1 kHz stereo WAV in `dir` (abc2midi, then fluidsynth without an audio
 * device). @throws Error naming the packages when a tool is missing or fails.
 */
export function renderTune(tune: ScoreTune, dir: string): string {
  if (!existsSync(SOUNDFONT)) throw new Error(`sound font missing (${SOUNDFONT}): ${PACKAGES}`);
  const base = path.join(dir, `${path.basename(tune.abc, '.abc')}-${tune.x}`);
  const midi = spawnSync('abc2midi', [tune.abc, String(tune.x), '-o', `${base}.mid`], { encoding: 'utf8' });
  if (midi.error || !existsSync(`${base}.mid`)) throw new Error(`abc2midi failed on ${tune.name}: ${midi.error?.message ?? midi.stdout}; ${PACKAGES}`);
  const wav = spawnSync('fluidsynth', ['-ni', '-q', '-F', `${base}.wav`, '-r', '44100', SOUNDFONT, `${base}.mid`], { encoding: 'utf8' });
  if (wav.error || wav.status !== 0 || !existsSync(`${base}.wav`)) throw new Error(`fluidsynth failed on ${tune.name}: ${wav.error?.message ?? wav.stderr}; ${PACKAGES}`);
  return `${base}.wav`;
}
