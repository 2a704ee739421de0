/**
 * Bench rows of the story (issue 14), run on the bench's data folder by bench/run.ts. The story runs
 * once a week per account: seconds are fine, the targets only guard against a query that scans the
 * whole history per item.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Facts of a week and a year, payload size, grounding check: one row each. */
export function storyBench(dataDir: string): { bench: string; n: number; p50: string; p95: string; target: string; result: string }[] {
  const res = spawnSync(process.execPath, [path.join(DIST, 'story-child.js'), dataDir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`story-child failed: ${res.stderr}`);
  const r = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return [
    { bench: `story facts of a week (${r.streams} streams)`, n: r.week_ms.length, p50: ms(at(r.week_ms, 50)), p95: ms(at(r.week_ms, 95)),
      target: 'p95 <= 2000 ms', result: at(r.week_ms, 95) <= 2000 ? 'PASS' : 'FAIL' },
    { bench: 'story facts of a year', n: r.year_ms.length, p50: ms(at(r.year_ms, 50)), p95: ms(at(r.year_ms, 95)), target: 'info', result: 'info' },
    { bench: 'story facts payload of a week (bytes sent)', n: 1, p50: `${r.facts_bytes} B`, p95: '-', target: '<= 8000 B', result: r.facts_bytes <= 8000 ? 'PASS' : 'FAIL' },
    { bench: 'story grounding check (template story)', n: r.grounding_ms.length, p50: ms(at(r.grounding_ms, 50)), p95: ms(at(r.grounding_ms, 95)),
      target: 'p95 <= 500 ms', result: at(r.grounding_ms, 95) <= 500 && r.grounded ? 'PASS' : 'FAIL' },
  ];
}
