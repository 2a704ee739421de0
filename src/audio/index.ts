/**
 * Audio features from the user's own music files (issue 6, in progress): for now the ffmpeg/ffprobe
 * layer. Frames (meyda), descriptors, library scan and matching build on it.
 */
export { resolveFfmpeg, probe, decode, AudioDecodeError, ANALYSIS_RATE_HZ } from './ffmpeg.js';
export type { FfmpegPaths, ProbeResult, DecodeFailure } from './ffmpeg.js';
