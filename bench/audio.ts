/**
 * Audio rows of `npm run bench` (issue 12): descriptors end to end on one core against ffmpeg's
 * decode-only time on the same files in the same run, the per-stage split, a job's peak RSS, and
 * the accuracy on the Frets on Fire charts (tuning and held-out half) and ffmpeg's ebur128 meter.
 * The machine is shared, so every timing is the best of {@link RUNS} runs, and the target is
 * judged on CPU time (node + ffmpeg, which is what one core of your own spends): the product runs
 * ffmpeg at nice 10, so on a busy machine its wall clock waits for other work.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fretsOnFireHalves } from '../test/support/fretsonfire.js';

export interface BenchLine { bench: string; n: number; p50: string; p95: string; target: string; result: string }

const DIST = path.dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_AUDIO_RUNS ?? 5);
const ok = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** Everything on CPU 0 when taskset exists: "one core", ffmpeg and node sharing it. */
function oneCore(cmd: string, args: string[]): [string, string[]] {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args];
}

interface ChildResult {
  audio_s: number; wall_s: number; baseline_mb: number; peak_mb: number;
  stages: { envelope_s: number; tempo_s: number; chroma_key_s: number; loudness_s: number; frame_features_s: number };
  results: { file: string; tempo_bpm: number | null; tempo_confidence: number | null; loudness_lufs: number | null; key: string | null }[];
}

/**
 * CPU seconds (user + system) of this process's finished children and theirs: cutime + cstime of
 * /proc/self/stat (proc(5)), in clock ticks of 1/100 s. A child's CPU time does not grow while
 * other work on the shared machine holds the core, so this is the load-independent "one core" figure.
 */
function childCpuS(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function decodeOnly(files: string[]): { wall_s: number; cpu_s: number } {
  const t = performance.now(); const cpu = childCpuS();
  for (const file of files) {
    // The same decode our analysis asks for (mono 22 050 Hz float), written nowhere.
    const [cmd, args] = oneCore('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '22050', '-f', 'f32le', '-y', '/dev/null']);
    if (spawnSync(cmd, args).status !== 0) throw new Error(`ffmpeg failed on ${file}`);
  }
  return { wall_s: (performance.now() - t) / 1000, cpu_s: childCpuS() - cpu };
}

function descriptors(files: string[], stages = false): ChildResult & { cpu_s: number } {
  const [cmd, args] = oneCore(process.execPath, [path.join(DIST, 'audio-child.js'), ...files]);
  const cpu = childCpuS();
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, BENCH_AUDIO_STAGES: stages ? '1' : '0' } });
  if (res.status !== 0) throw new Error(`audio-child failed: ${res.stderr}`);
  return { ...(JSON.parse(res.stdout.trim().split('\n').at(-1)!) as ChildResult), cpu_s: childCpuS() - cpu };
}

function ebur128(file: string): number {
  const res = spawnSync('ffmpeg', ['-nostats', '-v', 'info', '-nostdin', '-i', file, '-map', '0:a:0', '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
  return Number(/Integrated loudness:\s*I:\s*(-?[\d.]+) LUFS/.exec(res.stderr)![1]);
}

/** Runs the audio benchmark and returns its table rows. */
export function audioBench(): BenchLine[] {
  const { tuning, held_out } = fretsOnFireHalves();
  const songs = [...tuning, ...held_out];
  const files = songs.map((s) => s.audio);
  let decodeWall = Infinity; let decodeCpu = Infinity; let best: (ChildResult & { cpu_s: number }) | null = null; let bestCpu = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const d = decodeOnly(files);
    decodeWall = Math.min(decodeWall, d.wall_s); decodeCpu = Math.min(decodeCpu, d.cpu_s);
    const r = descriptors(files);
    if (!best || r.wall_s < best.wall_s) best = r;
    bestCpu = Math.min(bestCpu, r.cpu_s);
  }
  const r = best!;
  // The split comes from one more run that measures its stages (which costs ~3 %), scaled to the best untimed run.
  const split = descriptors(files, true);
  const stageScale = bestCpu / split.cpu_s;
  for (const k of Object.keys(r.stages) as (keyof ChildResult['stages'])[]) r.stages[k] = split.stages[k] * stageScale;
  const cpuRate = r.audio_s / bestCpu; const decodeCpuRate = r.audio_s / decodeCpu;
  const wallRate = r.audio_s / r.wall_s; const decodeWallRate = r.audio_s / decodeWall;
  const perMin = (s: number) => `${((s / r.audio_s) * 60_000).toFixed(0)} ms/audio-min`;
  const lines: BenchLine[] = [
    { bench: `audio descriptors end to end, ${songs.length} songs (${(r.audio_s / 60).toFixed(1)} min): CPU of node + ffmpeg`, n: RUNS,
      p50: `${cpuRate.toFixed(0)}x real time`, p95: `${bestCpu.toFixed(1)} s CPU (best of ${RUNS})`, target: '>= 150x', result: ok(cpuRate >= 150) },
    { bench: 'ffmpeg decode only (same files, same run): CPU / ratio', n: RUNS, p50: `${decodeCpuRate.toFixed(0)}x real time`,
      p95: `descriptors take ${(decodeCpuRate / cpuRate).toFixed(2)}x decode CPU`, target: '<= 3.5x', result: ok(decodeCpuRate / cpuRate <= 3.5) },
    { bench: 'the same, wall clock pinned to one core (shared machine: load-dependent)', n: RUNS, p50: `${wallRate.toFixed(0)}x real time`,
      p95: `decode only ${decodeWallRate.toFixed(0)}x (${(decodeWallRate / wallRate).toFixed(2)}x)`, target: 'info', result: 'info' },
  ];
  const stageNames: [keyof ChildResult['stages'], string][] = [['envelope_s', 'onset envelope (spectral flux)'], ['tempo_s', 'tempo + beats'],
    ['chroma_key_s', 'pitch profile + key'], ['loudness_s', 'loudness (all channels, native rate)'], ['frame_features_s', 'frame features (centroid ... MFCC)']];
  const inStages = Object.values(r.stages).reduce((a, b) => a + b, 0);
  lines.push({ bench: 'stage: decode, pipes, start-up (CPU minus the stages below)', n: RUNS, p50: perMin(bestCpu - inStages), p95: `${(((bestCpu - inStages) / bestCpu) * 100).toFixed(0)} % of CPU`, target: 'info', result: 'info' });
  for (const [key, name] of stageNames) lines.push({ bench: `stage: ${name}`, n: RUNS, p50: perMin(r.stages[key]), p95: `${((r.stages[key] / bestCpu) * 100).toFixed(0)} % of CPU`, target: 'info', result: 'info' });
  lines.push({ bench: 'audio job peak RSS above baseline', n: 1, p50: `${(r.peak_mb - r.baseline_mb).toFixed(0)} MB`,
    p95: `baseline ${r.baseline_mb.toFixed(0)} MB`, target: '<= 60 MB', result: ok(r.peak_mb - r.baseline_mb <= 60) });
  // Accuracy on the same run's results (the tests check more recordings and the scores).
  const byFile = new Map(r.results.map((x) => [x.file, x]));
  const hits = (set: typeof songs) => set.filter((s) => Math.abs(byFile.get(s.audio)!.tempo_bpm! / s.chart_bpm - 1) <= 0.04).length;
  lines.push({ bench: 'tempo within 4 % of the chart: held-out half', n: held_out.length, p50: `${hits(held_out)}/${held_out.length}`, p95: 'Essentia 6/8 on all eight', target: 'info', result: 'info' });
  lines.push({ bench: 'tempo within 4 % of the chart: tuning half', n: tuning.length, p50: `${hits(tuning)}/${tuning.length}`, p95: '', target: 'info', result: 'info' });
  const loud = songs.map((s) => Math.abs(byFile.get(s.audio)!.loudness_lufs! - ebur128(s.audio)));
  lines.push({ bench: 'integrated loudness vs ffmpeg ebur128 (stereo)', n: songs.length, p50: `${loud.filter((d) => d <= 0.5).length}/${songs.length} within 0.5 LU`,
    p95: `worst ${Math.max(...loud).toFixed(2)} LU`, target: 'info', result: 'info' });
  lines.push(...aubioRows(songs, r.audio_s));
  return lines;
}

/**
 * For comparison only, when Debian's aubio-tools is installed (never a dependency of the product):
 * `aubio tempo` on the same songs (it prints the mean of its beat periods), and its CPU time.
 */
function aubioRows(songs: ReturnType<typeof fretsOnFireHalves>['tuning'], audioS: number): BenchLine[] {
  if (spawnSync('aubio', ['--help']).error) return [];
  const cpu = childCpuS(); let hits = 0;
  for (const s of songs) {
    const res = spawnSync('aubio', ['tempo', s.audio], { encoding: 'utf8' });
    const bpm = Number(/([\d.]+) bpm/.exec(res.stdout)?.[1]);
    if (Math.abs(bpm / s.chart_bpm - 1) <= 0.04) hits++;
  }
  const spent = childCpuS() - cpu;
  return [{ bench: 'aubio tempo (aubio-tools, comparison only): chart within 4 %', n: songs.length, p50: `${hits}/${songs.length}`,
    p95: `tempo alone at ${(audioS / spent).toFixed(0)}x real time CPU`, target: 'info', result: 'info' }];
}

// `node dist/bench/audio.js` runs these rows alone (npm run bench runs them with the rest).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = audioBench();
  const headers: (keyof BenchLine)[] = ['bench', 'n', 'p50', 'p95', 'target', 'result'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((l) => String(l[h]).length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(row(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of rows) console.log(row(headers.map((h) => String(l[h]))));
}
