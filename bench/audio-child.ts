/** Analyses the given files one after another; prints audio seconds, wall seconds and RSS (baseline, peak) as JSON. */
import { readFileSync } from 'node:fs';
import { analyzeFile, resolveFfmpeg } from '../src/audio/index.js';

const vm = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const files = process.argv.slice(2);
const paths = resolveFfmpeg();
const baseline = vm('VmRSS');
let audio = 0;
const started = performance.now();
for (const file of files) audio += (await analyzeFile(file, paths)).duration_s;
console.log(JSON.stringify({ audio_s: audio, wall_s: (performance.now() - started) / 1000, baseline_mb: baseline, peak_mb: vm('VmHWM') }));
