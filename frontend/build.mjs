// Builds the panel: frontend/src → frontend/dist. Content-hashed file names (served with a long
// cache; index.html is not cached), code split so uPlot loads only with the first chart, every URL
// relative so the panel works under any ingress base path. Writes build.json with the gzipped sizes
// of the first page's JavaScript (the entry and what it imports statically) and of all of it.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: { app: path.join(here, 'src', 'main.tsx') },
  bundle: true, minify: true, format: 'esm', splitting: true, target: 'es2020', outdir: out,
  entryNames: '[name]-[hash]', chunkNames: 'chunk-[hash]', assetNames: '[name]-[hash]',
  jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none', metafile: true, logLevel: 'warning',
  loader: { '.css': 'css' },
});
const outputs = result.metafile.outputs;
const rel = (file) => path.relative(out, path.resolve(file)).split(path.sep).join('/');
const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint && f.endsWith('.js'));
const css = outputs[entry].cssBundle;
const html = (await readFile(path.join(here, 'src', 'index.html'), 'utf8')).replace('%JS%', rel(entry)).replace('%CSS%', rel(css));
await writeFile(path.join(out, 'index.html'), html);
await copyFile(path.join(here, 'src', 'favicon.svg'), path.join(out, 'favicon.svg'));

const gz = async (file) => gzipSync(await readFile(file), { level: 9 }).length;
// The first page: the entry and its static imports, transitively (dynamic imports load later).
const first = new Set();
const walk = (file) => { if (first.has(file)) return; first.add(file); for (const i of outputs[file].imports) if (i.kind === 'import-statement') walk(i.path); };
walk(entry);
const js = Object.keys(outputs).filter((f) => f.endsWith('.js'));
let firstGzip = 0; let allGzip = 0; let allBytes = 0;
for (const f of js) { const g = await gz(f); allGzip += g; allBytes += outputs[f].bytes; if (first.has(f)) firstGzip += g; }
const cssGzip = await gz(css);
await writeFile(path.join(out, 'build.json'), JSON.stringify({ entry: rel(entry), css: rel(css), js_bytes: allBytes, js_gzip_bytes: allGzip,
  first_page_js_gzip_bytes: firstGzip, css_gzip_bytes: cssGzip, chunks: js.map(rel), inputs: Object.keys(result.metafile.inputs).length }, null, 1));
console.log(`panel built: first page ${(firstGzip / 1024).toFixed(1)} KB gzipped JS, whole panel ${(allGzip / 1024).toFixed(1)} KB gzipped JS (${(allBytes / 1024).toFixed(0)} KB), CSS ${(cssGzip / 1024).toFixed(1)} KB gzipped`);
