import MeydaModule from 'meyda';

/** The parts of meyda we use. Its CommonJS build exports the Meyda object itself; its types describe an ES default. */
interface MeydaApi {
  bufferSize: number; sampleRate: number; windowingFunction: string;
  extract(features: string[], signal: Float32Array): Record<string, unknown> | null;
}
const Meyda = ((MeydaModule as unknown as { default?: MeydaApi }).default ?? MeydaModule) as unknown as MeydaApi;
import { createLoudnessMeter } from './loudness.js';
import { createOnsetEnvelope, estimateTempo } from './tempo.js';
import { estimateKey } from './key.js';

/** Frame size and hop of the spectral features (samples). Track means need no overlap: research/audio-features.md §b measured < 0.3 % change from hop 512 to 2048. */
export const FRAME_SIZE = 2048;
export const FRAME_HOP = 2048;
/** Frames quieter than this RMS carry no spectral shape (meyda gives NaN there): skipped. */
const SILENT_RMS = 1e-4;

/** Track descriptors. Units in the names; `null` where the audio cannot support a value (too short, silent). */
export interface Descriptors {
  duration_s: number;
  /** Integrated loudness, LUFS (ITU-R BS.1770-4 / EBU R128). */
  loudness_lufs: number | null;
  /** RMS level of the whole track, dBFS. */
  rms_dbfs: number | null;
  /** Tempo, BPM, and the estimator's confidence 0..1. */
  tempo_bpm: number | null;
  tempo_confidence: number | null;
  /** Pitch class name ("F#") and mode from chroma + Krumhansl–Kessler profiles; confidence 0..1 (margin). */
  key: string | null;
  mode: 'major' | 'minor' | null;
  key_confidence: number | null;
  /** Mean spectral centroid and 99 % rolloff, Hz; mean spectral flatness 0..1 (meyda). */
  spectral_centroid_hz: number | null;
  spectral_rolloff_hz: number | null;
  spectral_flatness: number | null;
  /** Zero crossings per sample, mean over frames. */
  zcr: number | null;
  /** Onsets per second (peaks of the onset envelope). */
  onset_rate: number | null;
  /** Loudness range, LU (EBU Tech 3342; 3 s short-term loudness, 10th–95th percentile). */
  dynamic_range_db: number | null;
  /** Mean and standard deviation of 13 MFCCs (meyda), for similarity. */
  mfcc_mean: number[] | null;
  mfcc_std: number[] | null;
  /**
   * Vibescope's own 0..1 HEURISTICS (not Spotify's numbers, which are unpublished; weights fixed here):
   * energy = loudness (−30…−6 LUFS) 50 %, onset rate (0…6 /s) 30 %, flatness 20 %;
   * danceability = tempo near 90–130 BPM 50 % × tempo confidence 50 %;
   * brightness = centroid 500…4000 Hz; acousticness = 1 − (flatness and brightness);
   * valence = major mode 50 %, brightness 25 %, tempo 25 %.
   */
  energy: number | null;
  danceability: number | null;
  brightness: number | null;
  acousticness: number | null;
  valence: number | null;
}

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const scale = (v: number, lo: number, hi: number) => clamp01((v - lo) / (hi - lo));
const round = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/**
 * A streaming analyser: `push` decoded mono PCM chunks (any size), then `finish()`. meyda is
 * configured before the first frame (bufferSize and sampleRate are globals whose filter banks are
 * cached) and called once per frame with the whole feature list (research/audio-features.md §b, §e).
 */
export function createAnalyzer(sampleRate: number) {
  Meyda.bufferSize = FRAME_SIZE;
  Meyda.sampleRate = sampleRate;
  Meyda.windowingFunction = 'hanning';
  const features = ['rms', 'zcr', 'spectralCentroid', 'spectralFlatness', 'spectralRolloff', 'chroma', 'mfcc'] as const;
  const loud = createLoudnessMeter(sampleRate);
  const onsets = createOnsetEnvelope();
  const pending = new Float32Array(FRAME_SIZE);
  let filled = 0;
  let samples = 0; let sumSquares = 0;
  let frames = 0; let centroid = 0; let rolloff = 0; let flatness = 0; let zcr = 0;
  const chroma = new Array<number>(12).fill(0);
  const mfccSum = new Array<number>(13).fill(0); const mfccSq = new Array<number>(13).fill(0);

  function frame(): void {
    const f = Meyda.extract(features as unknown as string[], pending);
    if (!f || (f.rms as number) < SILENT_RMS) return;
    frames++;
    centroid += f.spectralCentroid as number; rolloff += f.spectralRolloff as number;
    flatness += f.spectralFlatness as number; zcr += (f.zcr as number) / FRAME_SIZE;
    (f.chroma as number[]).forEach((v, i) => { chroma[i]! += Number.isFinite(v) ? v : 0; });
    (f.mfcc as number[]).forEach((v, i) => { if (i < 13) { mfccSum[i]! += v; mfccSq[i]! += v * v; } });
  }

  function push(chunk: Float32Array): void {
    loud.push(chunk);
    onsets.push(chunk);
    samples += chunk.length;
    for (let i = 0; i < chunk.length; i++) sumSquares += chunk[i]! * chunk[i]!;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(FRAME_SIZE - filled, chunk.length - offset);
      pending.set(chunk.subarray(offset, offset + take), filled);
      filled += take; offset += take;
      if (filled === FRAME_SIZE) {
        frame();
        pending.copyWithin(0, FRAME_HOP);
        filled = FRAME_SIZE - FRAME_HOP;
      }
    }
  }

  function finish(): Descriptors {
    const duration = samples / sampleRate;
    const lufs = loud.lufs();
    const rms = samples > 0 && sumSquares > 0 ? 10 * Math.log10(sumSquares / samples) : null;
    const tempo = estimateTempo(onsets.envelope(), sampleRate);
    const key = frames > 0 && duration >= 5 ? estimateKey(chroma.map((v) => v / frames)) : null;
    const centroidHz = frames > 0 ? ((centroid / frames) * sampleRate) / FRAME_SIZE : null;
    const flat = frames > 0 ? flatness / frames : null;
    const env = onsets.envelope();
    let peaks = 0;
    if (env.length > 2) {
      const sorted = [...env].sort((a, b) => a - b);
      const threshold = Math.max(0.5, sorted[Math.floor(sorted.length * 0.9)]!);
      for (let i = 1; i < env.length - 1; i++) if (env[i]! > threshold && env[i]! >= env[i - 1]! && env[i]! > env[i + 1]!) peaks++;
    }
    const onsetRate = duration > 0 ? peaks / duration : null;
    const brightness = centroidHz === null ? null : scale(centroidHz, 500, 4000);
    const energy = lufs === null || onsetRate === null || flat === null ? null
      : 0.5 * scale(lufs, -30, -6) + 0.3 * scale(onsetRate, 0, 6) + 0.2 * clamp01(flat * 4);
    const danceability = tempo === null ? null
      : 0.5 * clamp01(1 - Math.abs(Math.log2(tempo.bpm / 110)) * 1.5) + 0.5 * tempo.confidence;
    const acousticness = flat === null || brightness === null ? null : clamp01(1 - 0.5 * clamp01(flat * 4) - 0.5 * brightness);
    const valence = key === null || brightness === null ? null
      : 0.5 * (key.mode === 'major' ? 1 : 0) + 0.25 * brightness + 0.25 * (tempo ? scale(tempo.bpm, 60, 160) : 0.5);
    return {
      duration_s: round(duration, 2)!,
      loudness_lufs: round(lufs, 2), rms_dbfs: round(rms, 2),
      tempo_bpm: tempo ? tempo.bpm : null, tempo_confidence: tempo ? round(tempo.confidence, 3) : null,
      key: key?.key ?? null, mode: key?.mode ?? null, key_confidence: key ? key.confidence : null,
      spectral_centroid_hz: round(centroidHz, 1), spectral_rolloff_hz: frames > 0 ? round(rolloff / frames, 1) : null,
      spectral_flatness: round(flat, 4), zcr: frames > 0 ? round(zcr / frames, 5) : null,
      onset_rate: round(onsetRate, 3), dynamic_range_db: round(loud.range(), 2),
      mfcc_mean: frames > 0 ? mfccSum.map((s) => round(s / frames, 3)!) : null,
      mfcc_std: frames > 0 ? mfccSq.map((s, i) => round(Math.sqrt(Math.max(0, s / frames - (mfccSum[i]! / frames) ** 2)), 3)!) : null,
      energy: round(energy, 3), danceability: round(danceability, 3), brightness: round(brightness, 3),
      acousticness: round(acousticness, 3), valence: round(valence, 3),
    };
  }
  return { push, finish };
}
