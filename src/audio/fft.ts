/**
 * A real-input FFT for the analysis frames: an iterative radix-2 complex FFT of size n/2 on the
 * even/odd samples packed as re/im, then the standard split into the n/2 + 1 bins of the real
 * spectrum (Press et al., "Numerical Recipes", 3rd ed., §12.3.2; Sorensen et al., IEEE TASSP 35(6),
 * 1987). Preallocated typed arrays, no allocation per call: this is the hot loop of every descriptor.
 */

/** A reusable FFT of one size. `re`/`im` hold bins 0..n/2 after {@link RealFft.forward}. */
export interface RealFft {
  readonly size: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** Transforms `frame` (length n; read, not changed) into `re`/`im`. */
  forward(frame: ArrayLike<number>): void;
}

/**
 * @param n frame length, a power of two ≥ 8.
 * @throws RangeError when n is not a power of two ≥ 8.
 */
export function createRealFft(n: number): RealFft {
  if (!Number.isInteger(n) || n < 8 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two >= 8, got ${n}`);
  const h = n / 2;
  const bits = Math.log2(h);
  const rev = new Uint32Array(h);
  for (let i = 0; i < h; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const cosH = new Float64Array(h / 2 || 1); const sinH = new Float64Array(h / 2 || 1); // exp(-2πi m/h)
  for (let m = 0; m < h / 2; m++) { cosH[m] = Math.cos((2 * Math.PI * m) / h); sinH[m] = -Math.sin((2 * Math.PI * m) / h); }
  const cosN = new Float64Array(h + 1); const sinN = new Float64Array(h + 1);             // exp(-2πi k/n)
  for (let k = 0; k <= h; k++) { cosN[k] = Math.cos((2 * Math.PI * k) / n); sinN[k] = -Math.sin((2 * Math.PI * k) / n); }
  const zr = new Float64Array(h); const zi = new Float64Array(h);
  const re = new Float64Array(h + 1); const im = new Float64Array(h + 1);

  function forward(frame: ArrayLike<number>): void {
    // Bit-reversed load fused with the first two butterfly stages (twiddles 1 and -i).
    for (let k = 0; k < h; k += 4) {
      const j0 = 2 * rev[k]!; const j1 = 2 * rev[k + 1]!; const j2 = 2 * rev[k + 2]!; const j3 = 2 * rev[k + 3]!;
      const r0 = frame[j0]! + frame[j1]!; const i0 = frame[j0 + 1]! + frame[j1 + 1]!;
      const r1 = frame[j0]! - frame[j1]!; const i1 = frame[j0 + 1]! - frame[j1 + 1]!;
      const r2 = frame[j2]! + frame[j3]!; const i2 = frame[j2 + 1]! + frame[j3 + 1]!;
      const r3 = frame[j2]! - frame[j3]!; const i3 = frame[j2 + 1]! - frame[j3 + 1]!;
      zr[k] = r0 + r2; zi[k] = i0 + i2;
      zr[k + 2] = r0 - r2; zi[k + 2] = i0 - i2;
      zr[k + 1] = r1 + i3; zi[k + 1] = i1 - r3;      // (r3 + i i3)·(−i) = i3 − i r3
      zr[k + 3] = r1 - i3; zi[k + 3] = i1 + r3;
    }
    for (let size = 8; size <= h; size <<= 1) {
      const half = size >> 1; const step = h / size;
      for (let k = 0; k < half; k++) {
        const tr = cosH[k * step]!; const ti = sinH[k * step]!;
        for (let a = k; a < h; a += size) {
          const b = a + half;
          const xr = zr[b]! * tr - zi[b]! * ti; const xi = zr[b]! * ti + zi[b]! * tr;
          zr[b] = zr[a]! - xr; zi[b] = zi[a]! - xi;
          zr[a] = zr[a]! + xr; zi[a] = zi[a]! + xi;
        }
      }
    }
    // X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[h-k]) / 2, O = (Z[k] - conj Z[h-k]) / 2i, W = exp(-2πi/n).
    re[0] = zr[0]! + zi[0]!; im[0] = 0;
    re[h] = zr[0]! - zi[0]!; im[h] = 0;
    for (let k = 1; k < h; k++) {
      const ar = zr[k]!; const ai = zi[k]!; const br = zr[h - k]!; const bi = -zi[h - k]!;
      const er = 0.5 * (ar + br); const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi); const oi = -0.5 * (ar - br);
      const wr = cosN[k]!; const wi = sinN[k]!;
      re[k] = er + wr * or - wi * oi;
      im[k] = ei + wr * oi + wi * or;
    }
  }
  return { size: n, re, im, forward };
}

/** Symmetric Hann window, 0.5 − 0.5·cos(2πi/(n−1)): meyda's "hanning", which the frame features keep. */
export function hannSymmetric(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  return w;
}

/** Periodic Hann window, 0.5 − 0.5·cos(2πi/n), for the onset and pitch frames (exact overlap-add at hop n/4). */
export function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Cuts a stream of samples into frames of `size` every `hop` samples and calls `onFrame` with a
 * reused buffer (valid only during the call). The first frame starts at sample 0; a partial frame
 * at the end is not emitted.
 */
export function createFramer(size: number, hop: number, onFrame: (frame: Float32Array) => void) {
  const buf = new Float32Array(size);
  let filled = 0;
  return function push(chunk: Float32Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(size - filled, chunk.length - offset);
      buf.set(chunk.subarray(offset, offset + take), filled);
      filled += take; offset += take;
      if (filled === size) {
        onFrame(buf);
        if (hop >= size) filled = 0;
        else { buf.copyWithin(0, hop); filled = size - hop; }
      }
    }
  };
}
