/**
 * Child processes of the tests run the compiled JavaScript under dist/, as the product ships
 * (`npm test` compiles it before mocha starts), never through tsx. On Node 20, tsx's ESM hooks run on
 * a loader thread (module.register), and a child that imported a module after its start (the FFT's
 * WebAssembly loader does `await import('module')`) now and then never woke again: its main thread
 * asleep in a futex, no ffmpeg running, until the test's time limit (CI twice; here about 1 run in 200
 * under load).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository's root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

let checked = false;

/** Every .ts file under `dir` (relative to {@link ROOT}), recursively. */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const outputOf = (source: string) => path.join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));

/**
 * The compiled file of a source under src/, test/ or bench/ (`src/cli.ts` → `<root>/dist/src/cli.js`).
 * Checks that it has its compiled file, no older than the source, and on first use the same of every
 * source under src/ and test/support/.
 * @throws Error naming the first file missing or stale, and the command that compiles them.
 */
export function compiled(source: string): string {
  const files = checked ? [source] : [...sources('src'), ...sources(path.join('test', 'support')), source];
  for (const file of files) {
    let stale: boolean;
    try { stale = statSync(outputOf(file)).mtimeMs < statSync(path.join(ROOT, file)).mtimeMs; } catch { stale = true; }
    if (stale) throw new Error(`dist/ is missing or older than ${file}: child processes run the compiled code; run \`npm test\` (it compiles first) or \`npx tsc -p tsconfig.json\``);
  }
  checked = true;
  return outputOf(source);
}

/** The `vibescope` command as built (dist/src/cli.js): spawn `process.execPath` with it first. */
export const CLI = compiled('src/cli.ts');
