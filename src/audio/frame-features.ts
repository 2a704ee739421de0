import { createFramer, createRealFft, hannSymmetric } from './fft.js';

/**
 * Spectral shape per frame, averaged over the track: centroid, 99 % rolloff, flatness, zero-crossing
 * rate and 13 MFCCs on {@link FRAME_SIZE}-sample frames every {@link FRAME_HOP} samples (no overlap:
 * research/audio-features.md §b measured < 0.3 % change of the means from hop 512 to 2048). The
 * definitions are meyda 5.6's (symmetric Hann window, amplitude spectrum bins 0..N/2−1, centroid
 * Σk·A/ΣA, rolloff at 99 % of ΣA with bin width fs/(2(N/2−1)), flatness = geometric/arithmetic mean,
 * zcr = sign changes of the windowed frame, MFCC = DCT-II ×2 of log(1 + mel band power) over
 * meyda's 26-band mel bank); a test checks them against meyda itself. They are computed here from
 * our own FFT because meyda's per-frame cost (a plain-array FFT and a dense chroma bank) was most of
 * the analysis time. Only frames whose spectrum is all zero (digital silence) are skipped: quiet
 * fades and their noise floor belong to the track.
 */
export const FRAME_SIZE = 2048;
export const FRAME_HOP = 2048;
const MEL_BANDS = 26;
const MFCC = 13;

/** meyda's mel filter bank (utilities.createMelFilterBank), stored sparsely: per band its first bin and weights. */
function melBank(sampleRate: number, n: number): { start: number; weights: Float64Array }[] {
  const toMel = (f: number) => 1125 * Math.log(1 + f / 700);
  const toHz = (m: number) => 700 * (Math.exp(m / 1125) - 1);
  const step = (toMel(sampleRate / 2) - toMel(0)) / (MEL_BANDS + 1);
  const edges = Array.from({ length: MEL_BANDS + 2 }, (_, i) => Math.floor(((n + 1) * Math.fround(toHz(Math.fround(i * step)))) / sampleRate));
  const bank: { start: number; weights: Float64Array }[] = [];
  for (let j = 0; j < MEL_BANDS; j++) {
    const [a, b, c] = [edges[j]!, edges[j + 1]!, edges[j + 2]!];
    const end = Math.min(c, n / 2);
    const w = new Float64Array(Math.max(0, end - a));
    for (let i = a; i < Math.min(b, end); i++) w[i - a] = (i - a) / (b - a);
    for (let i = b; i < end; i++) w[i - a] = (c - i) / (c - b);
    bank.push({ start: a, weights: w });
  }
  return bank;
}

/** Track means of the frame features; `null` fields when no frame had sound. */
export interface FrameFeatureMeans {
  frames: number;
  spectral_centroid_hz: number | null;
  spectral_rolloff_hz: number | null;
  spectral_flatness: number | null;
  zcr: number | null;
  mfcc_mean: number[] | null;
  mfcc_std: number[] | null;
}

export function createFrameFeatures(sampleRate: number) {
  const n = FRAME_SIZE; const bins = n / 2;
  const fft = createRealFft(n);
  const win = hannSymmetric(n);
  const amp = new Float64Array(bins); const power = new Float64Array(bins);
  const bank = melBank(sampleRate, n);
  const mel = new Float64Array(MEL_BANDS);
  const cos = new Float64Array(MFCC * MEL_BANDS);
  for (let k = 0; k < MFCC; k++) for (let j = 0; j < MEL_BANDS; j++) cos[k * MEL_BANDS + j] = Math.cos((Math.PI / MEL_BANDS) * (j + 0.5) * k);
  const rolloffBin = sampleRate / (2 * (bins - 1));
  let frames = 0; let centroid = 0; let rolloff = 0; let flatness = 0; let zcr = 0;
  const mfccSum = new Float64Array(MFCC); const mfccSq = new Float64Array(MFCC);

  const framer = createFramer(n, FRAME_HOP, (frame) => {
    let crossings = 0;
    const input = fft.input;
    let before = frame[0]! * win[0]! >= 0;
    for (let i = 0; i < n; i++) {
      const v = frame[i]! * win[i]!;
      input[i] = v;
      const now = v >= 0;
      if (now !== before) crossings++;
      before = now;
    }
    fft.forward();
    const { out } = fft;
    let sum = 0; let moment = 0; let logSum = 0; let product = 1;
    for (let k = 0; k < bins; k++) {
      // Bin 0 is real and stored alone in out[0] (out[1] holds bin n/2, which meyda leaves out).
      const re = out[2 * k]!; const im = k === 0 ? 0 : out[2 * k + 1]!;
      const p = re * re + im * im;
      const a = Math.sqrt(p);
      power[k] = p; amp[k] = a; sum += a; moment += k * a;
      // One log per 8 bins: the product of 8 magnitudes stays far inside the float64 range.
      product *= a;
      if ((k & 7) === 7) { logSum += Math.log(product); product = 1; }
    }
    if (!(sum > 0)) return;                                   // all-zero spectrum: digital silence
    frames++;
    centroid += moment / sum;
    flatness += (Math.exp(logSum / bins) * bins) / sum;
    let energy = sum; let k = bins - 1;
    while (energy > 0.99 * sum && k >= 0) { energy -= amp[k]!; k--; }
    rolloff += (k + 1) * rolloffBin;
    zcr += crossings / n;
    for (let j = 0; j < MEL_BANDS; j++) {
      const { start, weights } = bank[j]!;
      let s = 0;
      for (let i = 0; i < weights.length; i++) s += weights[i]! * power[start + i]!;
      mel[j] = Math.log(s + 1);
    }
    for (let c = 0; c < MFCC; c++) {
      let s = 0;
      for (let j = 0; j < MEL_BANDS; j++) s += mel[j]! * cos[c * MEL_BANDS + j]!;
      s *= 2;
      mfccSum[c] = mfccSum[c]! + s; mfccSq[c] = mfccSq[c]! + s * s;
    }
  });

  function finish(): FrameFeatureMeans {
    if (frames === 0) return { frames, spectral_centroid_hz: null, spectral_rolloff_hz: null, spectral_flatness: null, zcr: null, mfcc_mean: null, mfcc_std: null };
    return {
      frames,
      spectral_centroid_hz: ((centroid / frames) * sampleRate) / n,
      spectral_rolloff_hz: rolloff / frames,
      spectral_flatness: flatness / frames,
      zcr: zcr / frames,
      mfcc_mean: Array.from(mfccSum, (s) => s / frames),
      mfcc_std: Array.from(mfccSq, (s, i) => Math.sqrt(Math.max(0, s / frames - (mfccSum[i]! / frames) ** 2))),
    };
  }
  return { push: framer, finish };
}
