/** Child process for memory tests: analyses one file, prints its duration, tempo and the process's peak RSS (MB) as JSON. */
import { readFileSync } from 'node:fs';
import { analyzeFile, resolveFfmpeg } from '../../src/audio/index.js';

const file = process.argv[2]!;
const d = await analyzeFile(file, resolveFfmpeg());
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
console.log(JSON.stringify({ duration_s: d.duration_s, tempo_bpm: d.tempo_bpm, beats: d.beats_s?.length ?? 0, peak_rss_mb: hwm }));
