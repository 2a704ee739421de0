import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './support/helpers.js';
import { EXTENDED_DIR } from './support/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function vibescope(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, VIBESCOPE_OPTIONS_FILE: '/nonexistent/options.json', ...env }, timeout: 60_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe('cli: vibescope serve|connect|import|status', function () {
  this.timeout(90_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  it('prints --help for the program and each command', () => {
    const main = vibescope(['--help']);
    expect(main.code).to.equal(0);
    for (const cmd of ['serve', 'connect', 'import', 'status', 'analyze', 'scan']) expect(main.out).to.include(cmd);
    for (const cmd of ['serve', 'connect', 'import', 'status', 'analyze', 'scan']) {
      const res = vibescope([cmd, '--help']);
      expect(res.code, cmd).to.equal(0);
      expect(res.out, cmd).to.include(`Usage: vibescope ${cmd}`);
    }
  });

  it('imports a real export with a report, then shows it in status; a re-import stores nothing new', () => {
    const file = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json');
    const first = vibescope(['import', file, '--data-dir', tmp.dir]);
    expect(first.code, first.err).to.equal(0);
    expect(first.out).to.match(/rows read 2319; streams stored 2319;/);
    const again = vibescope(['import', file, '--data-dir', tmp.dir]);
    expect(again.out).to.match(/streams stored 0;.*already imported 2319/);
    const status = vibescope(['status', '--data-dir', tmp.dir]);
    expect(status.code).to.equal(0);
    expect(status.out).to.match(/default: not connected; \d+ plays/);
  });

  it('exits non-zero when nothing could be imported, naming the file', () => {
    const bad = path.join(tmp.dir, 'Streaming_History_Audio_2020.json');
    writeFileSync(bad, '[{"ts": "2020-01-01T00:00:00Z", "ms_played": 1');
    const res = vibescope(['import', bad, '--data-dir', tmp.dir]);
    expect(res.code).to.equal(1);
    expect(res.out).to.include(bad).and.to.include('Import FAILED');
  });

  it('stops on an invalid option with a message naming it', () => {
    const res = vibescope(['status', '--data-dir', tmp.dir], { VIBESCOPE_SKIP_THRESHOLD_S: '1000' });
    expect(res.code).to.equal(2);
    expect(res.err).to.match(/skip_threshold_s: got 1000/);
  });

  it('analyze prints one JSON object per file and exits 1 when a file fails', () => {
    const tone = path.join(tmp.dir, 'tone.flac');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=8', tone]);
    expect(made.status, 'ffmpeg (apt-get install -y ffmpeg) made the test file').to.equal(0);
    const bad = path.join(tmp.dir, 'bad.mp3');
    writeFileSync(bad, 'not audio at all');
    const res = vibescope(['analyze', tone, bad]);
    expect(res.code).to.equal(1);
    const lines = res.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).to.have.length(2);
    expect(Object.keys(lines[0])).to.deep.equal(['path', 'duration_s', 'loudness_lufs', 'rms_dbfs', 'tempo_bpm', 'tempo_confidence', 'key', 'mode',
      'key_confidence', 'spectral_centroid_hz', 'spectral_rolloff_hz', 'spectral_flatness', 'zcr', 'onset_rate', 'dynamic_range_db', 'energy',
      'danceability', 'brightness', 'acousticness', 'valence']);
    expect(lines[0].duration_s).to.be.closeTo(8, 0.05);
    expect(lines[1]).to.deep.equal({ path: bad, error: lines[1].error });
    expect(lines[1].error).to.match(/not-audio/);
  });

  it('refuses an unknown command', () => {
    const res = vibescope(['dance']);
    expect(res.code).to.equal(2);
    expect(res.err).to.include('unknown command "dance"');
  });
});
