import { decode, decodeWithInfo, ANALYSIS_RATE_HZ, type FfmpegPaths, type ProbeResult } from './ffmpeg.js';
import { createAnalyzer, type Descriptors, type NativeFormat, type StageTimes } from './descriptors.js';

/**
 * The format loudness is measured in: the file's own sample rate and channel count as ffprobe
 * reports them; 48 kHz stereo where ffprobe gives none, more than 8 channels folded to stereo.
 */
export function nativeFormat(probed: Pick<ProbeResult, 'sample_rate_hz' | 'channels'>): NativeFormat {
  const rate = probed.sample_rate_hz >= 8000 && probed.sample_rate_hz <= 384_000 ? probed.sample_rate_hz : 48_000;
  const channels = probed.channels >= 1 && probed.channels <= 8 ? probed.channels : 2;
  return { sample_rate_hz: rate, channels };
}

/**
 * Decodes a probed file once into two streams (mono 22 050 Hz for the spectral descriptors, the
 * native format for loudness) and computes its descriptors; with `timeStages`, also the CPU time
 * each stage took (zeros otherwise: measuring costs ~3 % of the job).
 * @throws AudioDecodeError as {@link decode} does.
 */
export async function analyzeProbed(file: string, probed: ProbeResult, paths: FfmpegPaths,
  { timeStages = false }: { timeStages?: boolean } = {}): Promise<{ descriptors: Descriptors; times: StageTimes & { wall_s: number } }> {
  const started = performance.now();
  const format = nativeFormat(probed);
  const analyzer = createAnalyzer(ANALYSIS_RATE_HZ, format, { timeStages });
  await decode(file, paths, (chunk) => analyzer.push(chunk), {
    expectedDurationS: probed.duration_s,
    native: { sampleRateHz: format.sample_rate_hz, channels: format.channels, onSamples: (chunk) => analyzer.pushNative(chunk) },
  });
  const descriptors = analyzer.finish();
  return { descriptors, times: { ...analyzer.times, wall_s: (performance.now() - started) / 1000 } };
}

/**
 * Decodes a file once and computes its descriptors, learning what the file is from the same ffmpeg
 * run (no ffprobe: {@link decodeWithInfo}); `info` is what {@link probe} would say, for the library's
 * tags and matching. With `timeStages`, also the CPU time of each stage.
 * @throws AudioDecodeError as {@link decodeWithInfo} does.
 */
export async function analyzeWithInfo(file: string, paths: FfmpegPaths, { timeStages = false }: { timeStages?: boolean } = {}):
  Promise<{ descriptors: Descriptors; info: ProbeResult; times: StageTimes & { wall_s: number } }> {
  const started = performance.now();
  const analyzer = createAnalyzer(ANALYSIS_RATE_HZ, 'later', { timeStages });
  const { info } = await decodeWithInfo(file, paths, (chunk) => analyzer.push(chunk), {
    start: (f) => analyzer.startNative({ sample_rate_hz: f.sampleRateHz, channels: f.channels }),
    samples: (chunk) => analyzer.pushNative(chunk),
  });
  const descriptors = analyzer.finish();
  return { descriptors, info, times: { ...analyzer.times, wall_s: (performance.now() - started) / 1000 } };
}
