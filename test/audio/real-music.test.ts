import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { analyzeFile, resolveFfmpeg, type Descriptors, type FfmpegPaths } from '../../src/audio/index.js';
import { fretsOnFireHalves } from '../support/fretsonfire.js';
import { debianRecordings } from '../support/debian-music.js';
import { scoreTunes, renderTune } from '../support/scores.js';
import { tempDir } from '../support/helpers.js';

/** ffmpeg's EBU R128 meter on the file's own audio stream (every channel, its own rate): integrated loudness and LRA. */
function ebur128(paths: FfmpegPaths, file: string): { lufs: number; lra: number } {
  const res = spawnSync(paths.ffmpeg, ['-nostats', '-v', 'info', '-nostdin', '-i', file, '-map', '0:a:0', '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
  const summary = res.stderr.slice(res.stderr.lastIndexOf('Summary:'));
  const i = /I:\s+(-?[\d.]+) LUFS/.exec(summary); const lra = /LRA:\s+([\d.]+) LU/.exec(summary);
  if (!i || !lra) throw new Error(`no ebur128 summary for ${file}: ${res.stderr.slice(-300)}`);
  return { lufs: Number(i[1]), lra: Number(lra[1]) };
}

/** Iterative radix-2 FFT magnitudes (test-only, independent of the product's transform). */
function magnitudes(frame: Float64Array): Float64Array {
  const n = frame.length; const re = Float64Array.from(frame); const im = new Float64Array(n);
  for (let i = 1, j = 0; i < n; i++) { let bit = n >> 1; for (; j & bit; bit >>= 1) j ^= bit; j ^= bit; if (i < j) { [re[i], re[j]] = [re[j]!, re[i]!]; } }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) for (let k = 0; k < len / 2; k++) {
      const wr = Math.cos(ang * k); const wi = Math.sin(ang * k); const a = i + k; const b = a + len / 2;
      const vr = re[b]! * wr - im[b]! * wi; const vi = re[b]! * wi + im[b]! * wr;
      re[b] = re[a]! - vr; im[b] = im[a]! - vi; re[a] = re[a]! + vr; im[a] = im[a]! + vi;
    }
  }
  return Float64Array.from({ length: n / 2 }, (_, k) => Math.hypot(re[k]!, im[k]!));
}

/**
 * The spectral centroid by definition, computed directly: the file decoded by ffmpeg to mono
 * 22 050 Hz, 2048-sample frames without overlap, symmetric Hann window, Σ f·|X(f)| / Σ |X(f)| per
 * frame over bins 0..1023, averaged over every frame whose spectrum is not all zero.
 */
function directCentroid(paths: FfmpegPaths, file: string): number {
  const res = spawnSync(paths.ffmpeg, ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '22050', '-f', 'f32le', '-'], { maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`ffmpeg failed on ${file}`);
  const pcm = new Float32Array(res.stdout.buffer.slice(res.stdout.byteOffset, res.stdout.byteOffset + res.stdout.length - (res.stdout.length % 4)));
  const n = 2048; const frame = new Float64Array(n);
  let sum = 0; let frames = 0;
  for (let start = 0; start + n <= pcm.length; start += n) {
    for (let i = 0; i < n; i++) frame[i] = pcm[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
    const mag = magnitudes(frame);
    let num = 0; let den = 0;
    mag.forEach((m, k) => { num += k * m; den += m; });
    if (den > 0) { sum += num / den; frames++; }
  }
  return ((sum / frames) * 22050) / n;
}

describe('audio: descriptors of real recordings against independent references', function () {
  this.timeout(600_000);
  let paths: FfmpegPaths;
  const results = new Map<string, Descriptors>();
  const analysed = async (file: string) => {
    if (!results.has(file)) results.set(file, await analyzeFile(file, paths));
    return results.get(file)!;
  };
  before(() => { paths = resolveFfmpeg(); });

  describe('tempo against the charts of the Frets on Fire songs (notes.mid)', () => {
    const verdict = async (songs: ReturnType<typeof fretsOnFireHalves>['tuning']) => {
      const lines: string[] = []; let exact = 0; let octave = 0;
      for (const song of songs) {
        const d = await analysed(song.audio);
        const within = (f: number) => Math.abs(d.tempo_bpm! / (song.chart_bpm * f) - 1) <= 0.04;
        if (within(1)) exact++; else if (within(2) || within(0.5)) octave++;
        lines.push(`${song.name}: chart ${song.chart_bpm.toFixed(1)}, ours ${d.tempo_bpm} (confidence ${d.tempo_confidence})`);
      }
      return { exact, octave, report: lines.join('\n') };
    };

    it('gets every song of the held-out half within 4 % (the half no parameter was chosen on)', async () => {
      const { held_out } = fretsOnFireHalves();
      const v = await verdict(held_out);
      expect(v.exact, v.report).to.equal(held_out.length);
    });

    it('gets 3 of 4 songs of the tuning half within 4 % and the fourth (half-time metal) an octave off', async () => {
      const { tuning } = fretsOnFireHalves();
      const v = await verdict(tuning);
      expect(v.exact, v.report).to.be.at.least(3);
      expect(v.exact + v.octave, v.report).to.equal(tuning.length);
    });

    it('gives the two half-time metal songs (190 and 180 BPM charts) the lowest tempo confidence of the eight', async () => {
      const { tuning, held_out } = fretsOnFireHalves();
      const all = [...tuning, ...held_out];
      const ranked = await Promise.all(all.map(async (s) => ({ name: s.name, confidence: (await analysed(s.audio)).tempo_confidence! })));
      ranked.sort((a, b) => a.confidence - b.confidence);
      expect(ranked.slice(0, 2).map((r) => r.name).sort(), JSON.stringify(ranked)).to.deep.equal(['muldjord/internal_degeneration', 'muldjord/mutilated_mime']);
    });

    it('places the tracked beats one chart period apart', async () => {
      const { tuning, held_out } = fretsOnFireHalves();
      for (const song of [...tuning, ...held_out]) {
        const d = await analysed(song.audio);
        if (Math.abs(d.tempo_bpm! / song.chart_bpm - 1) > 0.04) continue; // the octave error above: its beats follow its own tempo
        const gaps = d.beats_s!.slice(1).map((t, i) => t - d.beats_s![i]!).sort((a, b) => a - b);
        const median = gaps[Math.floor(gaps.length / 2)]!;
        expect(median, song.name).to.be.closeTo(60 / song.chart_bpm, 0.02 * (60 / song.chart_bpm));
        expect(d.beats_s!.length, song.name).to.be.closeTo((d.duration_s * song.chart_bpm) / 60, (d.duration_s * song.chart_bpm) / 60 * 0.15);
      }
    });
  });

  describe('loudness and spectral centroid on every readable recording of the Debian music packages', () => {
    it('measures integrated loudness within 0.5 LU and loudness range within 0.5 LU of ffmpeg ebur128 on the stereo stream', async () => {
      const recordings = debianRecordings();
      const off: string[] = [];
      let worst = 0;
      for (const r of recordings) {
        const d = await analysed(r.audio);
        const ref = ebur128(paths, r.audio);
        worst = Math.max(worst, Math.abs(d.loudness_lufs! - ref.lufs));
        if (Math.abs(d.loudness_lufs! - ref.lufs) > 0.5 || Math.abs(d.dynamic_range_db! - ref.lra) > 0.5) {
          off.push(`${r.name}: ${d.loudness_lufs} LUFS / LRA ${d.dynamic_range_db} vs ffmpeg ${ref.lufs} / ${ref.lra}`);
        }
      }
      expect(recordings.length).to.be.at.least(20);
      expect(off, off.join('\n')).to.deep.equal([]);
      expect(worst, 'ffmpeg prints one decimal, so ±0.05 LU is its rounding').to.be.at.most(0.15);
    });

    it('gives the spectral centroid within 1 % of a direct FFT over every frame, quiet fades included', async () => {
      const off: string[] = [];
      for (const r of debianRecordings()) {
        const d = await analysed(r.audio);
        const direct = directCentroid(paths, r.audio);
        if (Math.abs(d.spectral_centroid_hz! / direct - 1) > 0.01) off.push(`${r.name}: ${d.spectral_centroid_hz} vs ${direct.toFixed(1)} Hz`);
      }
      expect(off, off.join('\n')).to.deep.equal([]);
    });
  });

  describe('key and tempo of folk tunes against their scores (abcmidi examples rendered by fluidsynth)', () => {
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    const rows: { name: string; key_ok: boolean; confidence: number; beat_bpm: number | null; tempo_bpm: number }[] = [];
    before(async () => {
      tmp = await tempDir('vibescope-scores-');
      for (const tune of scoreTunes()) {
        const d = await analyzeFile(renderTune(tune, tmp.dir), paths);
        rows.push({ name: tune.name, key_ok: d.key === tune.key && d.mode === tune.mode, confidence: d.key_confidence!, beat_bpm: tune.beat_bpm, tempo_bpm: d.tempo_bpm! });
      }
    });
    after(async () => { await tmp.remove(); });

    it('names the written key (K:) exactly on at least 10 of 12 tunes', () => {
      expect(rows).to.have.length(12);
      expect(rows.filter((r) => r.key_ok).length, JSON.stringify(rows, null, 1)).to.be.at.least(10);
    });

    it('gives the right keys a higher key_confidence than the wrong ones (area under the ROC curve ≥ 0.9)', () => {
      // AUC = the share of (right, wrong) pairs in which the right key has the higher confidence (ties count half):
      // 1 separates perfectly, 0.5 is chance. With no wrong key there is nothing to separate.
      const right = rows.filter((r) => r.key_ok).map((r) => r.confidence); const wrong = rows.filter((r) => !r.key_ok).map((r) => r.confidence);
      let wins = 0;
      for (const a of right) for (const b of wrong) wins += a > b ? 1 : a === b ? 0.5 : 0;
      const auc = wrong.length === 0 ? 1 : wins / (right.length * wrong.length);
      expect(auc, JSON.stringify(rows, null, 1)).to.be.at.least(0.9);
    });

    it('gives the written tempo (Q:) within 4 % or at an octave on every tune with one, within 4 % on at least 5 of 9', () => {
      const timed = rows.filter((r) => r.beat_bpm !== null);
      expect(timed).to.have.length(9);
      const near = (r: typeof rows[0], f: number) => Math.abs(r.tempo_bpm / (r.beat_bpm! * f) - 1) <= 0.04;
      // Q:1/4=35 (Linear Temperament) is below the 40 BPM range; everything else is within an octave.
      const octaveOk = timed.filter((r) => r.beat_bpm! >= 40).every((r) => near(r, 1) || near(r, 2) || near(r, 0.5));
      expect(octaveOk, JSON.stringify(timed, null, 1)).to.equal(true);
      expect(timed.filter((r) => near(r, 1)).length).to.be.at.least(5);
    });
  });
});
