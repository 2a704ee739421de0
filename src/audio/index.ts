import { decode, probe, ANALYSIS_RATE_HZ, type FfmpegPaths } from './ffmpeg.js';
import { createAnalyzer, type Descriptors } from './descriptors.js';

/**
 * Audio features from the user's own music files (issue 6, in progress): the ffmpeg/ffprobe layer
 * and the descriptors. Library scan, matching, storage and the job queue are still to come.
 */
export { resolveFfmpeg, probe, decode, AudioDecodeError, ANALYSIS_RATE_HZ } from './ffmpeg.js';
export type { FfmpegPaths, ProbeResult, DecodeFailure } from './ffmpeg.js';
export { createAnalyzer, FRAME_SIZE, FRAME_HOP } from './descriptors.js';
export type { Descriptors } from './descriptors.js';
export { estimateKey, PITCH_CLASSES } from './key.js';
export { estimateTempo } from './tempo.js';

/**
 * Probes and decodes one file (streamed) and computes its descriptors.
 * @throws AudioDecodeError with the reason (zero-byte, not-audio, truncated, corrupt, unsupported).
 */
export async function analyzeFile(file: string, paths: FfmpegPaths): Promise<Descriptors & { path: string }> {
  const probed = await probe(file, paths);
  const analyzer = createAnalyzer(ANALYSIS_RATE_HZ);
  await decode(file, paths, (chunk) => analyzer.push(chunk), { expectedDurationS: probed.duration_s });
  return { path: file, ...analyzer.finish() };
}
export { createAudioLibrary, AUDIO_EXTENSIONS } from './library.js';
export type { AudioLibrary, ScanReport } from './library.js';
