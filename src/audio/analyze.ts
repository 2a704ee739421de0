import { decodeWithInfo, ANALYSIS_RATE_HZ, type FfmpegPaths, type ProbeResult } from './ffmpeg.js';
import { createAnalyzer, type Descriptors, type StageTimes } from './descriptors.js';
import { loadFft } from './fft.js';

/**
 * Decodes a file once and computes its descriptors, learning what the file is from the same ffmpeg
 * run (no ffprobe: {@link decodeWithInfo}): mono 22 050 Hz for the spectral descriptors, the file's
 * own rate and channels for loudness. `info` is what {@link probe} would say, for the library's tags
 * and matching. With `timeStages`, also the CPU time of each stage (zeros otherwise: measuring costs
 * ~3 % of the job).
 * @throws AudioDecodeError as {@link decodeWithInfo} does.
 */
export async function analyzeWithInfo(file: string, paths: FfmpegPaths, { timeStages = false }: { timeStages?: boolean } = {}):
  Promise<{ descriptors: Descriptors; info: ProbeResult; times: StageTimes & { wall_s: number } }> {
  const started = performance.now();
  await loadFft();
  const analyzer = createAnalyzer(ANALYSIS_RATE_HZ, { fullRate: true, timeStages });
  const { info } = await decodeWithInfo(file, paths, (chunk) => analyzer.push(chunk), {
    start: (f) => analyzer.startNative({ sample_rate_hz: f.sampleRateHz, channels: f.channels }),
    samples: (chunk) => analyzer.pushNative(chunk),
  });
  const descriptors = analyzer.finish();
  return { descriptors, info, times: { ...analyzer.times, wall_s: (performance.now() - started) / 1000 } };
}
