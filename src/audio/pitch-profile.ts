import { createFramer, createRealFft, blackmanHarris } from './fft.js';

/**
 * A peak-based harmonic pitch-class profile in the manner of Gómez ("Tonal description of music
 * audio signals", PhD thesis, UPF 2006, ch. 3; Essentia's HPCP): per 4096-sample Hann frame every
 * 4096 samples (186 ms at 22 050 Hz: Essentia KeyExtractor's framing, at twice its frequency resolution), the local maxima of the magnitude spectrum (Blackman–Harris window, so no side lobe passes for a
 * partial) between 50 and 3500 Hz are refined by parabolic interpolation of their dB values and
 * whitened: divided by the strongest peak within a third of an octave either side (the spectral
 * envelope in the manner of Essentia's SpectralWhitening), so loud bass or a bright, distorted
 * spectrum does not decide the pitch classes; peaks 20 dB under that envelope or
 * 60 dB under the frame's strongest are dropped. Each
 * kept peak adds its whitened energy at its exact pitch (and a share a twelfth below, see
 * {@link TWELFTH_BELOW}) to the frame's 10-cent histogram over one
 * octave; the frame's histogram, scaled to unit sum, is added to the track's with the frame's
 * tonal amplitude (the RMS of its kept peaks) as weight, so frames count by their tonal energy
 * instead of being normalised one by one. At the end the tuning is estimated from that
 * histogram (the weighted circular mean of the offsets from equal temperament at A = 440 Hz) and
 * the histogram is folded to 12 pitch classes with a cos² window one semitone wide centred on the
 * tuned semitones, so a track 45 cents sharp does not smear across two classes.
 */
export const PITCH_FRAME = 4096;
export const PITCH_HOP = 4096;
const MIN_HZ = 50;
const MAX_HZ = 3500;
/** Whitening bands per octave; a peak is compared with the strongest peak of its band and the two next to it. */
const BANDS_PER_OCTAVE = 3;
/** Peaks more than 20 dB below that local maximum are spectral clutter, not partials. */
const MIN_WHITENED = 0.1;
/** Peaks more than 60 dB below the frame's strongest are noise floor, whatever their band. */
const MIN_OF_FRAME = 1e-3;
/** Frames quieter than this mean square (≈ −80 dBFS) are ignored. */
const SILENT_MEAN_SQUARE = 1e-8;
/**
 * Harmonic weighting (Gómez 2006, §3.4.4: a peak also counts for the fundamentals it may be a
 * harmonic of, with weight 0.6^(h−1)): harmonics 2 and 4 fold onto the peak's own pitch class, so
 * only the third needs a contribution of its own, to the pitch a twelfth below. Without it every
 * note's third harmonic lends weight to its fifth and keys come out a fifth too high.
 */
const TWELFTH_BELOW = 0.6 ** 2;
const CENTS_PER_BIN = 10;
const FINE_BINS = 1200 / CENTS_PER_BIN;
const MAX_PEAKS = 1024;

/** A track's pitch-class profile: 12 values, index 0 = C, summing to 1; tuning offset in cents. */
export interface PitchProfile { profile: number[]; tuning_cents: number; frames: number }

export function createPitchProfile(sampleRate: number) {
  const fft = createRealFft(PITCH_FRAME);
  const win = blackmanHarris(PITCH_FRAME);
  const binHz = sampleRate / PITCH_FRAME;
  const kMin = Math.max(2, Math.floor(MIN_HZ / binHz));
  const kMax = Math.min(PITCH_FRAME / 2 - 2, Math.ceil(Math.min(MAX_HZ, sampleRate / 2 - 200) / binHz));
  const bandCount = Math.ceil(Math.log2(MAX_HZ / MIN_HZ) * BANDS_PER_OCTAVE) + 1;
  const mag = new Float64Array(PITCH_FRAME / 2 + 1);
  const peakHz = new Float64Array(MAX_PEAKS); const peakMag = new Float64Array(MAX_PEAKS); const peakBand = new Int32Array(MAX_PEAKS);
  const bandMax = new Float64Array(bandCount);
  const frameFine = new Float64Array(FINE_BINS);
  const fine = new Float64Array(FINE_BINS); // index 0 = A (440 Hz × 2^n), 10 cents per bin
  let frames = 0;

  function deposit(into: Float64Array, freq: number, energy: number): void {
    let cents = (1200 * Math.log2(freq / 440)) % 1200;
    if (cents < 0) cents += 1200;
    const pos = cents / CENTS_PER_BIN;
    const i = Math.floor(pos); const frac = pos - i;
    into[i % FINE_BINS] = into[i % FINE_BINS]! + energy * (1 - frac);
    into[(i + 1) % FINE_BINS] = into[(i + 1) % FINE_BINS]! + energy * frac;
  }

  const framer = createFramer(PITCH_FRAME, PITCH_HOP, (frame) => {
    let ms = 0;
    const input = fft.input;
    for (let i = 0; i < PITCH_FRAME; i++) { const v = frame[i]!; ms += v * v; input[i] = v * win[i]!; }
    if (ms / PITCH_FRAME < SILENT_MEAN_SQUARE) return;
    fft.forward();
    const { out } = fft;
    for (let k = kMin - 1; k <= kMax + 1; k++) mag[k] = Math.sqrt(out[2 * k]! * out[2 * k]! + out[2 * k + 1]! * out[2 * k + 1]!);
    // Spectral peaks, refined by parabolic interpolation of their dB values.
    let count = 0;
    bandMax.fill(0);
    for (let k = kMin; k <= kMax && count < MAX_PEAKS; k++) {
      const m = mag[k]!;
      if (!(m > mag[k - 1]! && m >= mag[k + 1]!)) continue;
      const a = 20 * Math.log10(mag[k - 1]! + 1e-12); const b = 20 * Math.log10(m); const c = 20 * Math.log10(mag[k + 1]! + 1e-12);
      const denom = a - 2 * b + c;
      const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
      const hz = (k + shift) * binHz;
      const peak = 10 ** ((b - 0.25 * (a - c) * shift) / 20);
      const band = Math.min(bandCount - 1, Math.max(0, Math.floor(Math.log2(hz / MIN_HZ) * BANDS_PER_OCTAVE)));
      peakHz[count] = hz; peakMag[count] = peak; peakBand[count] = band; count++;
      if (peak > bandMax[band]!) bandMax[band] = peak;
    }
    if (count === 0) return;
    let strongest = 0;
    for (let b = 0; b < bandCount; b++) strongest = Math.max(strongest, bandMax[b]!);
    const floor = strongest * MIN_OF_FRAME;
    // Whitening: each peak relative to the strongest peak within one band of its own.
    frameFine.fill(0);
    let whitenedSum = 0; let tonal = 0;
    for (let p = 0; p < count; p++) {
      const band = peakBand[p]!;
      const local = Math.max(bandMax[band]!, band > 0 ? bandMax[band - 1]! : 0, band < bandCount - 1 ? bandMax[band + 1]! : 0);
      const w = peakMag[p]! / local;
      if (w < MIN_WHITENED || peakMag[p]! < floor) continue;
      deposit(frameFine, peakHz[p]!, w * w);
      deposit(frameFine, peakHz[p]! / 3, TWELFTH_BELOW * w * w);
      whitenedSum += (1 + TWELFTH_BELOW) * w * w;
      tonal += peakMag[p]! * peakMag[p]!;
    }
    if (!(whitenedSum > 0)) return;
    // The frame's whitened profile counts with its tonal amplitude (the RMS of its kept peaks).
    const weight = Math.sqrt(tonal) / whitenedSum;
    for (let i = 0; i < FINE_BINS; i++) fine[i] = fine[i]! + weight * frameFine[i]!;
    frames++;
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
