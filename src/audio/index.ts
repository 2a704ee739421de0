import { type FfmpegPaths } from './ffmpeg.js';
import { type Descriptors } from './descriptors.js';
import { analyzeWithInfo } from './analyze.js';

/**
 * Audio features from the user's own music files: the ffmpeg layer (one run per file, two
 * streams: mono 22 050 Hz for the spectral descriptors, the native format for loudness), the
 * descriptors (onset.ts + tempo.ts + beats.ts, pitch-profile.ts + key.ts, loudness.ts,
 * frame-features.ts) and the library scan.
 */
export { resolveFfmpeg, probe, decodeWithInfo, parseInputDump, AudioDecodeError, ANALYSIS_RATE_HZ } from './ffmpeg.js';
export type { FfmpegPaths, ProbeResult, DecodeFailure, DecodeResult } from './ffmpeg.js';
export { createAnalyzer, FRAME_SIZE, FRAME_HOP } from './descriptors.js';
export { loadFft } from './fft.js';
export type { Descriptors, NativeFormat, StageTimes } from './descriptors.js';
export { estimateKey, PITCH_CLASSES } from './key.js';
export type { KeyEstimate } from './key.js';
export { estimateTempo } from './tempo.js';
export type { TempoEstimate } from './tempo.js';
export { createOnsetEnvelope, ONSET_HOP } from './onset.js';
export { analyzeWithInfo } from './analyze.js';

/**
 * Decodes one file (streamed, one ffmpeg run that also reads its format and tags) and computes its descriptors.
 * @throws AudioDecodeError with the reason (missing, zero-byte, not-audio, truncated, corrupt, unsupported).
 */
export async function analyzeFile(file: string, paths: FfmpegPaths): Promise<Descriptors & { path: string }> {
  const { descriptors } = await analyzeWithInfo(file, paths);
  return { path: file, ...descriptors };
}
export { createAudioLibrary, AUDIO_EXTENSIONS } from './library.js';
export type { AudioLibrary, ScanReport } from './library.js';
