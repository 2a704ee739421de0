/**
 * Analyses the given files one after another (as the library does); prints audio seconds, wall
 * seconds, the per-stage split (s; only with BENCH_AUDIO_STAGES=1, since measuring it costs CPU)
 * and RSS (baseline, peak; MB) as JSON.
 */
import { readFileSync } from 'node:fs';
import { analyzeWithInfo, resolveFfmpeg } from '../src/audio/index.js';

const vm = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const files = process.argv.slice(2);
const paths = resolveFfmpeg();
const baseline = vm('VmRSS');
let audio = 0;
const stages = { envelope_s: 0, tempo_s: 0, chroma_key_s: 0, loudness_s: 0, frame_features_s: 0 };
const results: { file: string; tempo_bpm: number | null; tempo_confidence: number | null; loudness_lufs: number | null; key: string | null }[] = [];
const started = performance.now();
for (const file of files) {
  const { descriptors: d, times } = await analyzeWithInfo(file, paths, { timeStages: process.env.BENCH_AUDIO_STAGES === '1' });
  audio += d.duration_s;
  for (const k of Object.keys(stages) as (keyof typeof stages)[]) stages[k] += times[k];
  results.push({ file, tempo_bpm: d.tempo_bpm, tempo_confidence: d.tempo_confidence, loudness_lufs: d.loudness_lufs, key: d.key === null ? null : `${d.key} ${d.mode}` });
}
console.log(JSON.stringify({ audio_s: audio, wall_s: (performance.now() - started) / 1000, stages, baseline_mb: baseline, peak_mb: vm('VmHWM'), results }));
