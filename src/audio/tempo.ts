import FFT from 'fft.js';
import { trackBeats } from './beats.js';
import { ONSET_FRAME, ONSET_HOP } from './onset.js';

/**
 * Tempo from the onset envelope (onset.ts): the autocorrelation of the envelope scored as a comb
 * over the first four multiples of each candidate period, weighted by a log-normal tempo prior
 * (Ellis, "Beat tracking by dynamic programming", JNMR 36(1), 2007, §3.1: centre 120 BPM). The
 * metrical level is decided by that prior-weighted score alone: there is no later step that halves
 * the period when the faster level scores almost as well (it shares ACF terms with the slower one
 * and passed on nearly every track, doubling the tempo). The period is then refined by parabolic
 * interpolation of the ACF peaks at 1–4 periods, each searched near the current estimate, and the
 * beats are tracked by dynamic programming (beats.ts). Range 40–240 BPM.
 */
export const MIN_BPM = 40;
export const MAX_BPM = 240;
/** Centre (BPM) and width (octaves, one standard deviation) of the tempo prior. */
const PRIOR_BPM = 120;
const PRIOR_OCTAVES = 1.4;
const COMB = 4;

/** A tempo estimate. */
export interface TempoEstimate {
  /** Tempo, BPM (2 decimals). */
  bpm: number;
  /**
   * 0..1: how much the chosen period's score exceeds the best score of a different tempo (more
   * than 6 % away, octave neighbours included): 2·(1 − rival / best), capped at 1, so a rival at
   * half the best score or less gives 1. Near 0 means two tempi explain the envelope about
   * equally well: the value may be an octave (or 2:3) off, as on half-time metal.
   */
  confidence: number;
  /** Beat times, s from the start (the dynamic-programming tracker at that tempo). */
  beats_s: number[];
}

/** Light smoothing, then the local mean (±1 s) removed and the result scaled to unit deviation. */
function normalise(env: ArrayLike<number>, fps: number): Float64Array {
  const n = env.length;
  const smooth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0; let w = 0;
    for (let j = -2; j <= 2; j++) { const v = env[i + j]; if (v !== undefined) { const k = 3 - Math.abs(j); s += k * v; w += k; } }
    smooth[i] = s / w;
  }
  const half = Math.round(fps);
  const out = new Float64Array(n);
  let sum = 0; let lo = 0; let hi = -1;
  for (let i = 0; i < n; i++) {
    while (hi < Math.min(n - 1, i + half)) sum += smooth[++hi]!;
    while (lo < i - half) sum -= smooth[lo++]!;
    out[i] = smooth[i]! - sum / (hi - lo + 1);
  }
  let sq = 0;
  for (let i = 0; i < n; i++) sq += out[i]! * out[i]!;
  const sd = Math.sqrt(sq / n);
  if (sd > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / sd;
  return out;
}

/**
 * Autocorrelation at lags 0..maxLag, each divided by its number of terms. Computed block by block
 * with FFTs (each block of the signal cross-correlated with the stretch that starts with it), so
 * the cost is O(n log n) and the memory a few blocks, whatever the length of the track.
 */
function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const n = x.length;
  let size = 1024;
  while (size < 2 * (maxLag + 1)) size <<= 1;
  const block = size - maxLag;
  const fft = new FFT(size);
  const a = new Float64Array(2 * size); const y = new Float64Array(2 * size);
  const fa = new Float64Array(2 * size); const fy = new Float64Array(2 * size); const c = new Float64Array(2 * size);
  const r = new Float64Array(maxLag + 1);
  for (let start = 0; start < n; start += block) {
    a.fill(0); y.fill(0);
    for (let i = 0; i < block && start + i < n; i++) a[2 * i] = x[start + i]!;
    for (let i = 0; i < size && start + i < n; i++) y[2 * i] = x[start + i]!;
    fft.transform(fa, a); fft.transform(fy, y);
    for (let k = 0; k < size; k++) { // conj(A)·Y
      const ar = fa[2 * k]!; const ai = fa[2 * k + 1]!; const yr = fy[2 * k]!; const yi = fy[2 * k + 1]!;
      fa[2 * k] = ar * yr + ai * yi; fa[2 * k + 1] = ar * yi - ai * yr;
    }
    fft.inverseTransform(c, fa);
    for (let lag = 0; lag <= maxLag; lag++) r[lag] = r[lag]! + c[2 * lag]!;
  }
  for (let lag = 0; lag <= maxLag; lag++) r[lag] = lag < n ? r[lag]! / (n - lag) : 0;
  return r;
}

/** The ACF's local maximum within ±`width` of `at`, refined by parabolic interpolation. */
function peakNear(r: Float64Array, at: number, width: number): { at: number; value: number } {
  const from = Math.max(1, Math.floor(at - width)); const to = Math.min(r.length - 2, Math.ceil(at + width));
  let best = Math.min(Math.max(Math.round(at), from), to);
  for (let l = from; l <= to; l++) if (r[l]! > r[best]!) best = l;
  const a = r[best - 1]!; const b = r[best]!; const c = r[best + 1]!;
  const denom = a - 2 * b + c;
  const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
  return { at: best + shift, value: b - 0.25 * (a - c) * shift };
}

const prior = (bpm: number) => Math.exp(-0.5 * (Math.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2);

/**
 * Estimates the tempo from an onset envelope sampled at `fps` frames per second; `offsetS` is
 * added to the beat times (the delay of the stream the envelope was computed on).
 * @returns null when the envelope is shorter than 6 s or has no periodicity (silence, noise).
 */
export function estimateTempo(envelope: ArrayLike<number>, fps: number, offsetS = 0): TempoEstimate | null {
  if (envelope.length < fps * 6) return null;
  const x = normalise(envelope, fps);
  const minLag = Math.floor((60 * fps) / MAX_BPM);
  const maxLag = Math.ceil((60 * fps) / MIN_BPM);
  const r = autocorrelation(x, Math.min(3 * COMB * maxLag + COMB + 2, x.length - 1));
  if (!(r[0]! > 0)) return null;
  const comb = (lag: number) => {
    let s = 0; let k = 0;
    for (let m = 1; m <= COMB && m * lag < r.length - 2; m++) { s += Math.max(0, peakNear(r, m * lag, m / 2).value); k++; }
    return k === 0 ? 0 : s / k;
  };
  // Prior-weighted comb per lag, then Ellis's duple/triple combination (§3.1, TPS2/TPS3): a period
  // also scores half of its double's (or triple's) weighted score, which decides between metrical
  // levels whose own scores tie (a click track at 174 BPM is not heard at 87).
  const base = new Float64Array(3 * maxLag + 1);
  for (let lag = minLag; lag <= 3 * maxLag && COMB * lag < r.length - 2; lag++) base[lag] = comb(lag) * prior((60 * fps) / lag);
  const weighted = new Float64Array(maxLag + 1);
  let bestLag = -1;
  for (let lag = minLag; lag <= maxLag; lag++) {
    weighted[lag] = base[lag]! + 0.5 * Math.max(base[2 * lag] ?? 0, base[3 * lag] ?? 0);
    if (bestLag < 0 || weighted[lag]! > weighted[bestLag]!) bestLag = lag;
  }
  if (bestLag < 0 || !(weighted[bestLag]! > 0)) return null;
  // The strongest rival: the best prior-weighted score of a lag more than 6 % away.
  let rival = 0;
  for (let lag = minLag; lag <= maxLag; lag++) if (Math.abs(lag / bestLag - 1) > 0.06) rival = Math.max(rival, weighted[lag]!);
  // Refine the period over the first multiples, each peak searched near the current estimate.
  let period = bestLag;
  let num = 0; let den = 0;
  for (let m = 1; m <= COMB && m * period < r.length - 2; m++) {
    const p = peakNear(r, m * period, Math.max(1, 0.03 * m * period));
    if (p.value <= 0) continue;
    num += p.value * m * p.at; den += p.value * m * m;
    period = num / den;
  }
  // An onset raises the Hann-windowed spectrum fastest when it sits 3/4 into the frame (where the
  // window's slope is steepest), so a frame's onset time is its start plus 3/4 of its length.
  const lag = (0.75 * ONSET_FRAME) / ONSET_HOP;
  const beats = trackBeats(x, period).map((b) => Math.round(((b + lag) / fps + offsetS) * 1000) / 1000);
  const bpm = (60 * fps) / period;
  return { bpm: Math.round(bpm * 100) / 100, confidence: Math.round(Math.max(0, Math.min(1, 2 * (1 - rival / weighted[bestLag]!))) * 1000) / 1000, beats_s: beats };
}
