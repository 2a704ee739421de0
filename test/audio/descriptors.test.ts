import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createAnalyzer, analyzeFile, loadFft, resolveFfmpeg, FRAME_SIZE, FRAME_HOP, type FfmpegPaths } from '../../src/audio/index.js';
import { tempDir } from '../support/helpers.js';

const FS = 22050;

function analyze(x: Float32Array) {
  const a = createAnalyzer(FS);
  for (let i = 0; i < x.length; i += 3000) a.push(x.subarray(i, i + 3000));
  return a.finish();
}

/** Clicks (5 ms decaying 1 kHz bursts) at exact, possibly fractional, beat times. */
function clickTrack(bpm: number, seconds: number): Float32Array {
  const x = new Float32Array(FS * seconds);
  for (let beat = 0; ; beat++) {
    const start = Math.round((beat * 60 * FS) / bpm);
    if (start >= x.length) break;
    for (let i = 0; i < 220 && start + i < x.length; i++) x[start + i] = 0.8 * Math.sin((2 * Math.PI * 1000 * i) / FS) * Math.exp(-i / 60);
  }
  return x;
}

/** A chord progression of sines (MIDI note numbers), equal parts. */
function progression(chords: number[][], seconds: number): Float32Array {
  const x = new Float32Array(FS * seconds);
  const per = Math.floor(x.length / chords.length);
  chords.forEach((chord, c) => {
    for (let i = 0; i < per; i++) {
      let v = 0;
      for (const m of chord) v += Math.sin((2 * Math.PI * 440 * 2 ** ((m - 69) / 12) * i) / FS);
      x[c * per + i] = 0.2 * v;
    }
  });
  return x;
}

/** In-place radix-2 FFT (test-only reference). */
function fftMagnitudes(frame: Float64Array): Float64Array {
  const n = frame.length; const re = Float64Array.from(frame); const im = new Float64Array(n);
  for (let i = 1, j = 0; i < n; i++) { let bit = n >> 1; for (; j & bit; bit >>= 1) j ^= bit; j ^= bit; if (i < j) { [re[i], re[j]] = [re[j]!, re[i]!]; } }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) for (let k = 0; k < len / 2; k++) {
      const wr = Math.cos(ang * k); const wi = Math.sin(ang * k);
      const ur = re[i + k]!; const ui = im[i + k]!;
      const vr = re[i + k + len / 2]! * wr - im[i + k + len / 2]! * wi; const vi = re[i + k + len / 2]! * wi + im[i + k + len / 2]! * wr;
      re[i + k] = ur + vr; im[i + k] = ui + vi; re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi;
    }
  }
  const mag = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) mag[k] = Math.hypot(re[k]!, im[k]!);
  return mag;
}

describe('audio: descriptors on synthetic signals with known answers', function () {
  before(() => loadFft());
  this.timeout(120_000);

  it('finds the tempo of click tracks from 60 to 200 BPM, non-integer tempi included, within 2 %', () => {
    for (const bpm of [60, 72.5, 88, 93.7, 110, 120, 128, 137.25, 150, 174, 191.3, 200]) {
      const d = analyze(clickTrack(bpm, 30));
      expect(d.tempo_bpm, `${bpm} BPM`).to.be.a('number');
      expect(Math.abs(d.tempo_bpm! - bpm) / bpm, `${bpm} BPM → ${d.tempo_bpm}`).to.be.below(0.02);
      expect(d.tempo_confidence).to.be.within(0, 1);
    }
  });

  it('finds key and mode of chord progressions exactly', () => {
    const cases: [string, string, number[][]][] = [
      ['C', 'major', [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]]],
      ['A', 'minor', [[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64]]],
      ['F#', 'major', [[66, 70, 73], [71, 75, 78], [73, 77, 80], [66, 70, 73]]],
      ['D', 'minor', [[62, 65, 69], [67, 70, 74], [69, 73, 76], [62, 65, 69]]],
      ['D#', 'major', [[63, 67, 70], [68, 72, 75], [70, 74, 77], [63, 67, 70]]],
      ['G', 'minor', [[55, 58, 62], [60, 63, 67], [62, 66, 69], [55, 58, 62]]],
    ];
    for (const [key, mode, chords] of cases) {
      const d = analyze(progression(chords, 12));
      expect(`${d.key} ${d.mode}`, `${key} ${mode}`).to.equal(`${key} ${mode}`);
      expect(d.key_confidence).to.be.greaterThan(0);
    }
  });

  it('gives the spectral centroid in Hz within 1 % of a direct FFT computation', () => {
    const x = new Float32Array(FS * 6);
    let seed = 7;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / FS) + 0.15 * Math.sin((2 * Math.PI * 3000 * i) / FS) + 0.02 * (seed / 0x7fffffff - 0.5);
    }
    let sum = 0; let frames = 0;
    for (let start = 0; start + FRAME_SIZE <= x.length; start += FRAME_HOP) {
      const frame = new Float64Array(FRAME_SIZE);
      for (let i = 0; i < FRAME_SIZE; i++) frame[i] = x[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME_SIZE - 1)));
      const mag = fftMagnitudes(frame);
      let num = 0; let den = 0;
      mag.forEach((m, k) => { num += ((k * FS) / FRAME_SIZE) * m; den += m; });
      sum += num / den; frames++;
    }
    const direct = sum / frames;
    const d = analyze(x);
    expect(Math.abs(d.spectral_centroid_hz! - direct) / direct, `${d.spectral_centroid_hz} vs ${direct.toFixed(1)} Hz`).to.be.below(0.01);
  });

  it('gives no tempo or key for audio too short to support them, instead of a guess', () => {
    const d = analyze(progression([[60, 64, 67]], 3));
    expect(d.tempo_bpm).to.equal(null);
    expect(d.key).to.equal(null);
    expect(d.duration_s).to.equal(3);
    const silence = analyze(new Float32Array(FS * 8));
    expect(silence.loudness_lufs).to.equal(null);
    expect(silence.spectral_centroid_hz).to.equal(null);
  });

  describe('on files decoded by real ffmpeg', () => {
    let paths: FfmpegPaths;
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    before(async () => { paths = resolveFfmpeg(); tmp = await tempDir('vibescope-desc-'); });
    after(async () => { await tmp.remove(); });
    const make = (name: string, args: string[]) => {
      const file = path.join(tmp.dir, name);
      const res = spawnSync(paths.ffmpeg, ['-v', 'error', '-y', ...args, file], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(res.stderr);
      return file;
    };
    /** ffmpeg's own EBU R128 integrated loudness of the file's audio stream as it is (every channel, its own rate). */
    const ebur128 = (file: string) => {
      const res = spawnSync(paths.ffmpeg, ['-nostats', '-v', 'info', '-nostdin', '-i', file, '-map', '0:a:0', '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
      const m = /Integrated loudness:\s*I:\s*(-?[\d.]+) LUFS/.exec(res.stderr);
      if (!m) throw new Error(`no ebur128 summary: ${res.stderr.slice(-500)}`);
      return Number(m[1]);
    };

    it('measures integrated loudness of noise within 0.5 LU of ffmpeg ebur128', async () => {
      for (const [name, source] of [['white.flac', 'anoisesrc=color=white:amplitude=0.1:sample_rate=44100:duration=12:seed=3'],
        ['pink.flac', 'anoisesrc=color=pink:amplitude=0.3:sample_rate=44100:duration=12:seed=5'],
        ['quiet.flac', 'anoisesrc=color=brown:amplitude=0.02:sample_rate=48000:duration=12:seed=9']]) {
        const file = make(name!, ['-f', 'lavfi', '-i', source!]);
        const d = await analyzeFile(file, paths);
        const reference = ebur128(file);
        expect(Math.abs(d.loudness_lufs! - reference), `${name}: ${d.loudness_lufs} vs ffmpeg ${reference} LUFS`).to.be.at.most(0.5);
      }
    });

    it('analyses an encoded file end to end (every descriptor present and in range)', async () => {
      const file = make('tone.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=523.25:sample_rate=44100:duration=10', '-c:a', 'libvorbis']);
      const d = await analyzeFile(file, paths);
      expect(d.path).to.equal(file);
      expect(d.duration_s).to.be.closeTo(10, 0.1);
      expect(d.spectral_centroid_hz).to.be.closeTo(523.25, 30);
      expect(d.rms_dbfs).to.be.closeTo(20 * Math.log10(0.125 / Math.SQRT2), 0.5); // lavfi sine amplitude 1/8
      for (const k of ['energy', 'brightness', 'acousticness'] as const) expect(d[k], k).to.be.within(0, 1);
      expect(d.mfcc_mean).to.have.length(13);
    });
  });
});
