import { probe, type FfmpegPaths } from './ffmpeg.js';
import { type Descriptors } from './descriptors.js';
import { analyzeProbed } from './analyze.js';

/**
 * Audio features from the user's own music files: the ffmpeg/ffprobe layer (one decode, two
 * streams: mono 22 050 Hz for the spectral descriptors, the native format for loudness), the
 * descriptors (onset.ts + tempo.ts + beats.ts, pitch-profile.ts + key.ts, loudness.ts,
 * frame-features.ts) and the library scan.
 */
export { resolveFfmpeg, probe, decode, AudioDecodeError, ANALYSIS_RATE_HZ } from './ffmpeg.js';
export type { FfmpegPaths, ProbeResult, DecodeFailure, NativeOutput } from './ffmpeg.js';
export { createAnalyzer, FRAME_SIZE, FRAME_HOP } from './descriptors.js';
export type { Descriptors, NativeFormat, StageTimes } from './descriptors.js';
export { estimateKey, PITCH_CLASSES } from './key.js';
export type { KeyEstimate } from './key.js';
export { estimateTempo } from './tempo.js';
export type { TempoEstimate } from './tempo.js';
export { createOnsetEnvelope, ONSET_HOP } from './onset.js';
export { analyzeProbed, nativeFormat } from './analyze.js';

/**
 * Probes and decodes one file (streamed, one ffmpeg run) and computes its descriptors.
 * @throws AudioDecodeError with the reason (zero-byte, not-audio, truncated, corrupt, unsupported).
 */
export async function analyzeFile(file: string, paths: FfmpegPaths): Promise<Descriptors & { path: string }> {
  const probed = await probe(file, paths);
  const { descriptors } = await analyzeProbed(file, probed, paths);
  return { path: file, ...descriptors };
}
export { createAudioLibrary, AUDIO_EXTENSIONS } from './library.js';
export type { AudioLibrary, ScanReport } from './library.js';
