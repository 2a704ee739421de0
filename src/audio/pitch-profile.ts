import { createFramer, createRealFft, hannPeriodic } from './fft.js';

/**
 * A peak-based harmonic pitch-class profile in the manner of Gómez ("Tonal description of music
 * audio signals", PhD thesis, UPF 2006, ch. 3; Essentia's HPCP): per 4096-sample Hann frame every
 * 2048 samples, the local maxima of the magnitude spectrum between 50 and 5000 Hz are refined by
 * parabolic interpolation of their dB values, whitened (divided by the mean magnitude of the
 * surrounding third of an octave, so a flat, distorted spectrum does not bias any pitch class) and
 * kept when they stand at least {@link MIN_PEAK_RATIO}× above it. Each kept peak adds its whitened
 * energy at its exact pitch to a 10-cent histogram over one octave; frames are therefore weighted
 * by their tonal energy, never normalised one by one. At the end the tuning is estimated from that
 * histogram (the weighted circular mean of the offsets from equal temperament at A = 440 Hz) and
 * the histogram is folded to 12 pitch classes with a cos² window one semitone wide centred on the
 * tuned semitones, so a track 45 cents sharp does not smear across two classes.
 */
export const PITCH_FRAME = 4096;
export const PITCH_HOP = 2048;
const MIN_HZ = 50;
const MAX_HZ = 5000;
/** A peak counts as tonal when its magnitude is this many times the local mean. */
const MIN_PEAK_RATIO = 2;
/** Frames quieter than this mean square (≈ −80 dBFS) are ignored. */
const SILENT_MEAN_SQUARE = 1e-8;
const CENTS_PER_BIN = 10;
const FINE_BINS = 1200 / CENTS_PER_BIN;

/** A track's pitch-class profile: 12 values, index 0 = C, summing to 1; tuning offset in cents. */
export interface PitchProfile { profile: number[]; tuning_cents: number; frames: number }

export function createPitchProfile(sampleRate: number) {
  const fft = createRealFft(PITCH_FRAME);
  const win = hannPeriodic(PITCH_FRAME);
  const windowed = new Float64Array(PITCH_FRAME);
  const binHz = sampleRate / PITCH_FRAME;
  const kMin = Math.max(2, Math.floor(MIN_HZ / binHz));
  const kMax = Math.min(PITCH_FRAME / 2 - 2, Math.ceil(Math.min(MAX_HZ, sampleRate / 2 - 200) / binHz));
  // Whitening window per bin: ±1/6 octave around it.
  const wLo = new Int32Array(kMax + 2); const wHi = new Int32Array(kMax + 2);
  for (let k = kMin; k <= kMax; k++) { wLo[k] = Math.max(1, Math.floor(k * 2 ** (-1 / 6))); wHi[k] = Math.min(PITCH_FRAME / 2, Math.ceil(k * 2 ** (1 / 6))); }
  const mag = new Float64Array(PITCH_FRAME / 2 + 1);
  const prefix = new Float64Array(PITCH_FRAME / 2 + 2);
  const fine = new Float64Array(FINE_BINS); // index 0 = A (440 Hz × 2^n), 10 cents per bin
  let frames = 0;

  function deposit(freq: number, energy: number): void {
    let cents = (1200 * Math.log2(freq / 440)) % 1200;
    if (cents < 0) cents += 1200;
    const pos = cents / CENTS_PER_BIN;
    const i = Math.floor(pos); const frac = pos - i;
    fine[i % FINE_BINS] = fine[i % FINE_BINS]! + energy * (1 - frac);
    fine[(i + 1) % FINE_BINS] = fine[(i + 1) % FINE_BINS]! + energy * frac;
  }

  const framer = createFramer(PITCH_FRAME, PITCH_HOP, (frame) => {
    let ms = 0;
    for (let i = 0; i < PITCH_FRAME; i++) { const v = frame[i]!; ms += v * v; windowed[i] = v * win[i]!; }
    if (ms / PITCH_FRAME < SILENT_MEAN_SQUARE) return;
    fft.forward(windowed);
    const { re, im } = fft;
    const hiBin = wHi[kMax]!;
    for (let k = 1; k <= hiBin; k++) { mag[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!); prefix[k + 1] = prefix[k]! + mag[k]!; }
    frames++;
    for (let k = kMin; k <= kMax; k++) {
      const m = mag[k]!;
      if (!(m > mag[k - 1]! && m >= mag[k + 1]!)) continue;
      const lo = wLo[k]!; const hi = wHi[k]!;
      const mean = (prefix[hi + 1]! - prefix[lo]!) / (hi - lo + 1);
      if (!(m >= MIN_PEAK_RATIO * mean)) continue;
      // Parabolic interpolation on dB: offset in bins and the peak's magnitude.
      const a = 20 * Math.log10(mag[k - 1]! + 1e-12); const b = 20 * Math.log10(m); const c = 20 * Math.log10(mag[k + 1]! + 1e-12);
      const denom = a - 2 * b + c;
      const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
      const peakDb = b - 0.25 * (a - c) * shift;
      const ratio = 10 ** (peakDb / 20) / mean;
      deposit((k + shift) * binHz, ratio * ratio);
    }
  });

  /** The folded profile so far, or null when no frame had a tonal peak. */
  function finish(): PitchProfile | null {
    let sx = 0; let sy = 0; let total = 0;
    for (let i = 0; i < FINE_BINS; i++) {
      const theta = (2 * Math.PI * ((i * CENTS_PER_BIN) % 100)) / 100;
      sx += fine[i]! * Math.cos(theta); sy += fine[i]! * Math.sin(theta); total += fine[i]!;
    }
    if (!(total > 0)) return null;
    const tuning = (Math.atan2(sy, sx) * 100) / (2 * Math.PI);
    const profile = new Array<number>(12).fill(0);
    for (let i = 0; i < FINE_BINS; i++) {
      // Distance in semitones from the nearest tuned semitone of this fine bin.
      const semis = (i * CENTS_PER_BIN - tuning) / 100;
      const nearest = Math.round(semis);
      const d = semis - nearest;
      const pcFromA = ((nearest % 12) + 12) % 12;
      const pc = (pcFromA + 9) % 12; // A = 9 when C = 0
      const w = Math.cos(Math.PI * d) ** 2;
      profile[pc] = profile[pc]! + w * fine[i]!;
      profile[(pc + (d > 0 ? 1 : 11)) % 12] = profile[(pc + (d > 0 ? 1 : 11)) % 12]! + (1 - w) * fine[i]!;
    }
    const sum = profile.reduce((s, v) => s + v, 0);
    return { profile: profile.map((v) => v / sum), tuning_cents: Math.round(tuning * 10) / 10, frames };
  }

  return { push: framer, finish };
}
