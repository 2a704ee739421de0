import { expect } from 'chai';
import MeydaModule from 'meyda';
import { createFrameFeatures, FRAME_SIZE } from '../../src/audio/frame-features.js';
import { createRealFft, createFramer, jsRealFft, loadFft } from '../../src/audio/fft.js';

interface MeydaApi { bufferSize: number; sampleRate: number; windowingFunction: string; extract(f: string[], s: Float32Array): Record<string, unknown> }
const Meyda = ((MeydaModule as unknown as { default?: MeydaApi }).default ?? MeydaModule) as unknown as MeydaApi;
const FS = 22050;

/** A test signal: two partials, noise, and a 2 s fade to near silence at the end. */
function signal(seconds: number): Float32Array {
  const x = new Float32Array(FS * seconds);
  let seed = 11;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const fade = Math.min(1, Math.max(1e-4, (x.length - i) / (2 * FS)));
    x[i] = fade * (0.3 * Math.sin((2 * Math.PI * 330 * i) / FS) + 0.1 * Math.sin((2 * Math.PI * 2500 * i) / FS) + 0.05 * (seed / 0x7fffffff - 0.5));
  }
  return x;
}

describe('audio: frame features (own FFT) against meyda on the same frames', () => {
  before(() => loadFft());
  it('transforms like a direct DFT (single precision, PFFFT\'s ordered layout)', () => {
    for (const n of [32, 64, 1024, 4096]) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + (i % 7) * 0.1);
      const fft = createRealFft(n); fft.input.set(x); fft.forward();
      // The fft.js fallback (used when the WebAssembly module cannot load) in the same layout.
      const js = jsRealFft(n); js.input.set(x); js.forward();
      // Float32 rounding of n inputs of magnitude ~1: errors grow like √n·2⁻²⁴ per bin; 1e-5·n is far above that and far below any wrong bin.
      const tol = 1e-5 * n;
      for (let k = 0; k <= n / 2; k++) {
        let re = 0; let im = 0;
        for (let t = 0; t < n; t++) { re += x[t]! * Math.cos((2 * Math.PI * k * t) / n); im -= x[t]! * Math.sin((2 * Math.PI * k * t) / n); }
        const [gotRe, gotIm] = k === 0 ? [fft.out[0]!, 0] : k === n / 2 ? [fft.out[1]!, 0] : [fft.out[2 * k]!, fft.out[2 * k + 1]!];
        expect(gotRe, `n ${n} bin ${k} re`).to.be.closeTo(re, tol);
        expect(gotIm, `n ${n} bin ${k} im`).to.be.closeTo(im, tol);
        const [jsRe, jsIm] = k === 0 ? [js.out[0]!, 0] : k === n / 2 ? [js.out[1]!, 0] : [js.out[2 * k]!, js.out[2 * k + 1]!];
        expect(jsRe, `fft.js n ${n} bin ${k} re`).to.be.closeTo(re, tol);
        expect(jsIm, `fft.js n ${n} bin ${k} im`).to.be.closeTo(im, tol);
      }
    }
    expect(createRealFft(1024)).to.equal(createRealFft(1024));
    expect(() => createRealFft(1000)).to.throw(RangeError);
    expect(() => createRealFft(16)).to.throw(RangeError);
  });

  it('cuts frames at the hop whatever the chunk sizes', () => {
    const starts: number[] = [];
    const push = createFramer(8, 4, (f) => starts.push(f[0]!));
    const x = Float32Array.from({ length: 30 }, (_, i) => i);
    push(x.subarray(0, 3)); push(x.subarray(3, 17)); push(x.subarray(17));
    expect(starts).to.deep.equal([0, 4, 8, 12, 16, 20]);
  });

  it('matches meyda 5.6 centroid, rolloff, flatness, zcr and MFCC means, every frame but digital silence counted', () => {
    const x = signal(8);
    const withSilence = new Float32Array(x.length + FRAME_SIZE * 3); withSilence.set(x); // three all-zero frames at the end
    const ours = createFrameFeatures(FS);
    for (let i = 0; i < withSilence.length; i += 5000) ours.push(withSilence.subarray(i, i + 5000));
    const got = ours.finish();
    Meyda.bufferSize = FRAME_SIZE; Meyda.sampleRate = FS; Meyda.windowingFunction = 'hanning';
    const sums = { centroid: 0, rolloff: 0, flatness: 0, zcr: 0, mfcc: new Array<number>(13).fill(0) };
    let frames = 0;
    for (let start = 0; start + FRAME_SIZE <= withSilence.length; start += FRAME_SIZE) {
      const frame = withSilence.slice(start, start + FRAME_SIZE);
      if (frame.every((v) => v === 0)) continue;
      const f = Meyda.extract(['spectralCentroid', 'spectralRolloff', 'spectralFlatness', 'zcr', 'mfcc'], frame);
      sums.centroid += f.spectralCentroid as number; sums.rolloff += f.spectralRolloff as number;
      sums.flatness += f.spectralFlatness as number; sums.zcr += (f.zcr as number) / FRAME_SIZE;
      (f.mfcc as number[]).forEach((v, i) => { sums.mfcc[i]! += v; });
      frames++;
    }
    expect(got.frames, 'frames counted: all but the three silent ones, quiet fade included').to.equal(frames);
    expect(got.spectral_centroid_hz!).to.be.closeTo(((sums.centroid / frames) * FS) / FRAME_SIZE, 0.05);
    expect(got.spectral_rolloff_hz!).to.be.closeTo(sums.rolloff / frames, 0.5);
    expect(got.spectral_flatness!).to.be.closeTo(sums.flatness / frames, 1e-4);
    expect(got.zcr!).to.be.closeTo(sums.zcr / frames, 1e-6);
    got.mfcc_mean!.forEach((v, i) => expect(v, `mfcc ${i}`).to.be.closeTo(sums.mfcc[i]! / frames, 1e-3 * Math.max(1, Math.abs(v))));
  });
});
