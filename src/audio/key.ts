/**
 * Key and mode from a pitch-class profile (index 0 = C) by correlation with rotated key profiles:
 * Krumhansl–Kessler probe-tone ratings (C. L. Krumhansl, "Cognitive Foundations of Musical Pitch",
 * 1990) decide; the Temperley–Kostka–Payne corpus profiles (D. Temperley, "Music and Probability",
 * MIT Press 2007, table 6.1) cross-check. Values as in music-computing/amads
 * amads/pitch/key/profiles.py.
 */
export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];
const TKP_MAJOR = [0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4];
const TKP_MINOR = [0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133, 0.33];

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length; const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let num = 0; let da = 0; let db = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - ma) * (b[i]! - mb); da += (a[i]! - ma) ** 2; db += (b[i]! - mb) ** 2; }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

interface Scored { key: string; mode: 'major' | 'minor'; r: number }

function rank(chroma: number[], major: number[], minor: number[]): Scored[] {
  const scores: Scored[] = [];
  for (let tonic = 0; tonic < 12; tonic++) {
    const rotated = chroma.map((_, i) => chroma[(i + tonic) % 12]!);
    scores.push({ key: PITCH_CLASSES[tonic]!, mode: 'major', r: pearson(rotated, major) });
    scores.push({ key: PITCH_CLASSES[tonic]!, mode: 'minor', r: pearson(rotated, minor) });
  }
  return scores.sort((a, b) => b.r - a.r);
}

/** A key estimate. */
export interface KeyEstimate {
  key: string;
  mode: 'major' | 'minor';
  /**
   * 0..1: the Krumhansl–Kessler margin between the best and second-best key's correlation, scaled
   * so a margin of 0.2 or more gives 1, halved when the Temperley–Kostka–Payne profiles pick a
   * different key. Near 0 = ambiguous.
   */
  confidence: number;
  /** Pearson correlation of the profile with the chosen key's Krumhansl–Kessler profile. */
  correlation: number;
  /** Whether the Temperley–Kostka–Payne profiles pick the same key and mode. */
  profiles_agree: boolean;
}

/** The best-matching key, or null for a flat profile (no tonal content). */
export function estimateKey(chroma: number[]): KeyEstimate | null {
  if (chroma.length !== 12 || !chroma.every(Number.isFinite) || Math.max(...chroma) - Math.min(...chroma) < 1e-6) return null;
  const kk = rank(chroma, KK_MAJOR, KK_MINOR);
  const tkp = rank(chroma, TKP_MAJOR, TKP_MINOR);
  const [best, second] = kk as [Scored, Scored];
  const agree = tkp[0]!.key === best.key && tkp[0]!.mode === best.mode;
  const margin = Math.max(0, Math.min(1, (best.r - second.r) / 0.2));
  return { key: best.key, mode: best.mode, correlation: Math.round(best.r * 1000) / 1000,
    confidence: Math.round((agree ? margin : margin / 2) * 1000) / 1000, profiles_agree: agree };
}
