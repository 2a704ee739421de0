/**
 * Tempo from a cheap onset envelope: log energy of 256-sample blocks, half-wave-rectified
 * difference, then an autocorrelation scored over the first four multiples of each candidate lag
 * (a comb, which favours the fundamental), with parabolic peak interpolation so the period is not
 * quantised to whole blocks (research/audio-features.md §c). Range 40–240 BPM.
 */
export const ONSET_HOP = 256;
const MIN_BPM = 40;
const MAX_BPM = 240;

/** Streaming onset envelope. */
export function createOnsetEnvelope() {
  let acc = 0; let n = 0; let prev: number | null = null;
  const env: number[] = [];
  function push(samples: Float32Array): void {
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      acc += x * x;
      if (++n === ONSET_HOP) {
        const e = Math.log(1e-10 + acc / ONSET_HOP);
        env.push(prev === null ? 0 : Math.max(0, e - prev));
        prev = e; acc = 0; n = 0;
      }
    }
  }
  return { push, envelope: () => env };
}

/** Unbiased autocorrelation of a zero-mean signal at integer lags 0..maxLag. */
function autocorrelation(x: number[], maxLag: number): Float64Array {
  const r = new Float64Array(maxLag + 1);
  const n = x.length;
  for (let lag = 0; lag <= maxLag && lag < n; lag++) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += x[i]! * x[i + lag]!;
    r[lag] = s / (n - lag);
  }
  return r;
}

/** Peak position near `lag` by parabolic interpolation over the local maximum within ±2. */
function refine(r: Float64Array, lag: number): { at: number; value: number } {
  let best = Math.round(lag);
  for (let l = Math.max(1, best - 2); l <= Math.min(r.length - 2, best + 2); l++) if (r[l]! > r[best]!) best = l;
  if (best <= 0 || best >= r.length - 1) return { at: best, value: r[best] ?? 0 };
  const a = r[best - 1]!, b = r[best]!, c = r[best + 1]!;
  const denom = a - 2 * b + c;
  const shift = denom === 0 ? 0 : Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom));
  return { at: best + shift, value: b - 0.25 * (a - c) * shift };
}

/**
 * Estimates the tempo (BPM) and a confidence 0..1 (the comb's peak against the envelope's energy).
 * Returns null when the envelope is too short (< 6 s) or has no periodicity.
 */
export function estimateTempo(envelope: number[], sampleRate: number): { bpm: number; confidence: number } | null {
  const fps = sampleRate / ONSET_HOP;
  if (envelope.length < fps * 6) return null;
  // A short triangular smoothing spreads one-frame onset spikes, so ACF peaks of non-integer
  // periods are not split between two lags (which would bias the comb towards a multiple).
  const kernel = [1, 2, 3, 2, 1];
  const smooth = envelope.map((_, i) => {
    let s = 0; let w = 0;
    kernel.forEach((k, j) => { const v = envelope[i + j - 2]; if (v !== undefined) { s += k * v; w += k; } });
    return s / w;
  });
  const mean = smooth.reduce((a, b) => a + b, 0) / smooth.length;
  const x = smooth.map((v) => v - mean);
  const minLag = Math.floor((60 * fps) / MAX_BPM);
  const maxLag = Math.ceil((60 * fps) / MIN_BPM);
  const r = autocorrelation(x, Math.min(4 * maxLag + 4, x.length - 1));
  if (!(r[0]! > 0)) return null;
  const comb = (lag: number) => {
    let s = 0; let k = 0;
    for (let m = 1; m <= 4 && m * lag < r.length - 1; m++) { s += Math.max(0, refine(r, m * lag).value); k++; }
    return k === 0 ? 0 : s / k;
  };
  // A log-normal prior centred on 120 BPM (one octave wide) breaks ties between metrical levels,
  // as common tempo estimators do (research/audio-features.md §c).
  const prior = (lag: number) => Math.exp(-0.5 * Math.log2((60 * fps) / lag / 120) ** 2);
  let bestLag = -1; let bestScore = 0; let bestWeighted = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    const score = comb(lag);
    if (score * prior(lag) > bestWeighted) { bestWeighted = score * prior(lag); bestScore = score; bestLag = lag; }
  }
  if (bestLag < 0 || bestScore <= 0) return null;
  // Prefer the fastest candidate that explains the periodicity almost as well (the comb of a
  // multiple scores nearly as high as the fundamental's).
  for (let div = 4; div >= 2; div--) {
    const lag = bestLag / div;
    if (lag >= minLag && comb(Math.round(lag)) >= 0.9 * bestScore && refine(r, lag).value >= 0.5 * refine(r, bestLag).value) { bestLag = Math.round(lag); break; }
  }
  // Period from the interpolated peaks at the first multiples, weighted by their strength.
  let num = 0; let den = 0;
  for (let m = 1; m <= 4 && m * bestLag < r.length - 2; m++) {
    const p = refine(r, m * bestLag);
    if (p.value <= 0) continue;
    num += (p.at / m) * p.value; den += p.value;
  }
  const period = den > 0 ? num / den : bestLag;
  const bpm = (60 * fps) / period;
  return { bpm: Math.round(bpm * 100) / 100, confidence: Math.max(0, Math.min(1, bestScore / r[0]!)) };
}
