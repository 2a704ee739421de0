/**
 * Key and mode from a mean chroma vector (index 0 = C) by correlation with the Krumhansl–Kessler
 * key profiles (C. L. Krumhansl, "Cognitive Foundations of Musical Pitch", 1990; values as in
 * music-computing/amads amads/pitch/key/profiles.py) rotated to all 24 keys.
 */
export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length; const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let num = 0; let da = 0; let db = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - ma) * (b[i]! - mb); da += (a[i]! - ma) ** 2; db += (b[i]! - mb) ** 2; }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/**
 * The best-matching key. `confidence` is the margin between the best and the second-best key's
 * correlation (0..1; near 0 = ambiguous). Null for a flat chroma (no tonal content).
 */
export function estimateKey(chroma: number[]): { key: string; mode: 'major' | 'minor'; confidence: number; correlation: number } | null {
  if (chroma.length !== 12 || Math.max(...chroma) - Math.min(...chroma) < 1e-6) return null;
  const scores: { key: string; mode: 'major' | 'minor'; r: number }[] = [];
  for (let tonic = 0; tonic < 12; tonic++) {
    const rotated = chroma.map((_, i) => chroma[(i + tonic) % 12]!);
    scores.push({ key: PITCH_CLASSES[tonic]!, mode: 'major', r: pearson(rotated, KK_MAJOR) });
    scores.push({ key: PITCH_CLASSES[tonic]!, mode: 'minor', r: pearson(rotated, KK_MINOR) });
  }
  scores.sort((a, b) => b.r - a.r);
  const [best, second] = scores as [typeof scores[0], typeof scores[0]];
  return { key: best.key, mode: best.mode, correlation: Math.round(best.r * 1000) / 1000,
    confidence: Math.round(Math.max(0, Math.min(1, best.r - second.r)) * 1000) / 1000 };
}
