// Builds the panel: frontend/src → frontend/dist (index.html, app.js, app.css). Every URL in the
// output is relative, so the panel works under any ingress base path.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(here, 'src', 'main.tsx')],
  bundle: true, minify: true, format: 'esm', target: 'es2020', outfile: path.join(out, 'app.js'),
  jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none', metafile: true, logLevel: 'warning',
  loader: { '.css': 'css' },
});
await copyFile(path.join(here, 'src', 'index.html'), path.join(out, 'index.html'));
const js = await readFile(path.join(out, 'app.js'));
await writeFile(path.join(out, 'build.json'), JSON.stringify({ js_bytes: js.length, js_gzip_bytes: gzipSync(js).length,
  inputs: Object.keys(result.metafile.inputs).length }));
console.log(`panel built: app.js ${(js.length / 1024).toFixed(1)} KB, ${(gzipSync(js).length / 1024).toFixed(1)} KB gzipped`);
