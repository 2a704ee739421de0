import { createLoudnessMeter } from './loudness.js';
import { NATIVE_SAMPLE_SCALE } from './ffmpeg.js';
import { createOnsetEnvelope, onsetRate } from './onset.js';
import { estimateTempo } from './tempo.js';
import { createPitchProfile } from './pitch-profile.js';
import { estimateKey } from './key.js';
import { createFrameFeatures } from './frame-features.js';

export { FRAME_SIZE, FRAME_HOP } from './frame-features.js';

/** Track descriptors. Units in the names; `null` where the audio cannot support a value (too short, silent). */
export interface Descriptors {
  duration_s: number;
  /** Integrated loudness, LUFS (ITU-R BS.1770-4 / EBU R128) of all channels at the file's own rate. */
  loudness_lufs: number | null;
  /** RMS level of the whole track (the mono 22 050 Hz analysis stream), dBFS. */
  rms_dbfs: number | null;
  /** Tempo, BPM, and the estimator's confidence 0..1 (near 0: another tempo, often an octave away, fits about as well). */
  tempo_bpm: number | null;
  tempo_confidence: number | null;
  /** Beat times, s from the start (dynamic-programming beat tracker at that tempo); not stored by the library. */
  beats_s: number[] | null;
  /**
   * Pitch class name ("F#") and mode from a peak-based pitch-class profile and the Krumhansl–Kessler
   * profiles, cross-checked with Temperley–Kostka–Payne; confidence 0..1 (margin, halved when the two disagree).
   */
  key: string | null;
  mode: 'major' | 'minor' | null;
  key_confidence: number | null;
  /** Tuning of the track against A = 440 Hz, cents (−50..50), estimated before the pitch classes are folded. */
  tuning_cents: number | null;
  /** Mean spectral centroid and 99 % rolloff, Hz; mean spectral flatness 0..1 (meyda's definitions; every frame but digital silence). */
  spectral_centroid_hz: number | null;
  spectral_rolloff_hz: number | null;
  spectral_flatness: number | null;
  /** Zero crossings per sample, mean over frames. */
  zcr: number | null;
  /** Onsets per second (peaks of the onset envelope). */
  onset_rate: number | null;
  /** Loudness range, LU (EBU Tech 3342; 3 s short-term loudness, 10th–95th percentile). */
  dynamic_range_db: number | null;
  /** Mean and standard deviation of 13 MFCCs (meyda's definition), for similarity. */
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

/** Σx² of a chunk, accumulated in a local (a captured variable updated per sample cost 20 ns each). */
function sumOfSquares(chunk: Float32Array): number {
  let s = 0;
  for (let i = 0; i < chunk.length; i++) { const v = chunk[i]!; s += v * v; }
  return s;
}

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const scale = (v: number, lo: number, hi: number) => clamp01((v - lo) / (hi - lo));
const round = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** The full-resolution stream loudness is measured on: the file's own rate and channel count. */
export interface NativeFormat { sample_rate_hz: number; channels: number }

/** CPU seconds spent in each stage of one analysis (for the benchmark). */
export interface StageTimes { envelope_s: number; tempo_s: number; chroma_key_s: number; loudness_s: number; frame_features_s: number }

/**
 * A streaming analyser. `push` decoded mono PCM at `sampleRate` (any chunk size); with `fullRate`,
 * loudness is measured on the same audio at its own rate and channel count instead: `startNative`
 * with its format once the stream's header says it, then `pushNative` its interleaved samples
 * (loudness is null if that stream never comes); then `finish()`. Nothing holds
 * the whole track: memory grows only with the onset envelope (4 bytes per 11.6 ms) and the
 * loudness blocks (8 bytes per 100 ms). Await `loadFft()` (fft.ts) once before the first analyser.
 * @throws Error when the FFT is not loaded yet.
 */
export function createAnalyzer(sampleRate: number, { fullRate = false, timeStages = false }: { fullRate?: boolean; timeStages?: boolean } = {}) {
  let loud: ReturnType<typeof createLoudnessMeter> | null = fullRate ? null : createLoudnessMeter(sampleRate, 1);
  const onsets = createOnsetEnvelope(sampleRate);
  const pitch = createPitchProfile(sampleRate);
  const shape = createFrameFeatures(sampleRate);
  const times: StageTimes = { envelope_s: 0, tempo_s: 0, chroma_key_s: 0, loudness_s: 0, frame_features_s: 0 };
  let samples = 0; let sumSquares = 0;
  // CPU time, not wall time: on a busy machine a stage must not be charged for the time it was preempted.
  // Measured only when asked (the benchmark's split): process.cpuUsage() is a system call, ~3 % of the job.
  const cpu = timeStages ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } : () => 0;
  const timed = timeStages ? (stage: keyof StageTimes, fn: () => void) => { const t = cpu(); fn(); times[stage] += cpu() - t; }
    : (_stage: keyof StageTimes, fn: () => void) => fn();

  function push(chunk: Float32Array): void {
    if (!fullRate) timed('loudness_s', () => loud!.push(chunk));
    timed('envelope_s', () => onsets.push(chunk));
    timed('chroma_key_s', () => pitch.push(chunk));
    timed('frame_features_s', () => {
      shape.push(chunk);
      samples += chunk.length;
      sumSquares += sumOfSquares(chunk);
    });
  }

  /** The native stream as ffmpeg wrote it: interleaved 16-bit samples, × NATIVE_SAMPLE_SCALE = full scale. */
  function pushNative(chunk: Int16Array): void {
    if (fullRate && loud) timed('loudness_s', () => loud!.push(chunk));
  }

  /** With `fullRate`: the full-rate stream's format, known once its header is read (before any {@link pushNative}). */
  function startNative(format: NativeFormat): void {
    if (fullRate && !loud) loud = createLoudnessMeter(format.sample_rate_hz, format.channels, NATIVE_SAMPLE_SCALE);
  }

  function finish(): Descriptors {
    const duration = samples / sampleRate;
    let t = cpu();
    const lufs = loud ? loud.lufs() : null;
    const range = loud ? loud.range() : null;
    times.loudness_s += cpu() - t;
    t = cpu();
    const env = onsets.envelope();
    const tempo = estimateTempo(env, onsets.fps);
    const rate = duration > 0 ? onsetRate(env, onsets.fps) : null;
    times.tempo_s += cpu() - t;
    t = cpu();
    const profile = duration >= 5 ? pitch.finish() : null;
    const key = profile ? estimateKey(profile.profile) : null;
    times.chroma_key_s += cpu() - t;
    const f = shape.finish();
    const rms = samples > 0 && sumSquares > 0 ? 10 * Math.log10(sumSquares / samples) : null;
    const centroidHz = f.spectral_centroid_hz;
    const flat = f.spectral_flatness;
    const brightness = centroidHz === null ? null : scale(centroidHz, 500, 4000);
    const energy = lufs === null || rate === null || flat === null ? null
      : 0.5 * scale(lufs, -30, -6) + 0.3 * scale(rate, 0, 6) + 0.2 * clamp01(flat * 4);
    const danceability = tempo === null ? null
      : 0.5 * clamp01(1 - Math.abs(Math.log2(tempo.bpm / 110)) * 1.5) + 0.5 * tempo.confidence;
    const acousticness = flat === null || brightness === null ? null : clamp01(1 - 0.5 * clamp01(flat * 4) - 0.5 * brightness);
    const valence = key === null || brightness === null ? null
      : 0.5 * (key.mode === 'major' ? 1 : 0) + 0.25 * brightness + 0.25 * (tempo ? scale(tempo.bpm, 60, 160) : 0.5);
    return {
      duration_s: round(duration, 2)!,
      loudness_lufs: round(lufs, 2), rms_dbfs: round(rms, 2),
      tempo_bpm: tempo ? tempo.bpm : null, tempo_confidence: tempo ? round(tempo.confidence, 3) : null, beats_s: tempo ? tempo.beats_s : null,
      key: key?.key ?? null, mode: key?.mode ?? null, key_confidence: key ? key.confidence : null,
      tuning_cents: key && profile ? profile.tuning_cents : null,
      spectral_centroid_hz: round(centroidHz, 1), spectral_rolloff_hz: round(f.spectral_rolloff_hz, 1),
      spectral_flatness: round(flat, 4), zcr: round(f.zcr, 5),
      onset_rate: round(rate, 3), dynamic_range_db: round(range, 2),
      mfcc_mean: f.mfcc_mean ? f.mfcc_mean.map((v) => round(v, 3)!) : null,
      mfcc_std: f.mfcc_std ? f.mfcc_std.map((v) => round(v, 3)!) : null,
      energy: round(energy, 3), danceability: round(danceability, 3), brightness: round(brightness, 3),
      acousticness: round(acousticness, 3), valence: round(valence, 3),
    };
  }
  return { push, pushNative, startNative, finish, times };
}
