import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('exports: bounded memory', function () {
  this.timeout(300_000);
  it('a 250 000-play CSV export streams with RSS added <= 30 MB (a child process, flags as the server runs)', () => {
    const res = spawnSync(process.execPath, ['--expose-gc', '--optimize-for-size', '--import', 'tsx', path.join(ROOT, 'bench', 'export-child.ts'), '250000', 'csv'],
      { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    expect(res.status, res.stderr).to.equal(0);
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { streams: number; bytes: number; baseline_mb: number; peak_mb: number };
    expect(out.streams).to.equal(250_000);
    expect(out.bytes).to.be.greaterThan(250_000 * 150, 'every row was written');
    expect(out.peak_mb - out.baseline_mb).to.be.at.most(30);
  });
});
