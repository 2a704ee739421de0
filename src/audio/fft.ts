import createPffftSimd from '@echogarden/pffft-wasm/simd';
import createPffft, { type PffftModule } from '@echogarden/pffft-wasm';
import FFT from 'fft.js';
import { whileLoopAlive } from '../loop.js';

/**
 * The real-input FFT of the analysis frames: PFFFT (J. Pommier, BSD; FFTPACK's algorithms with
 * 4-wide SIMD), compiled to WebAssembly by the @echogarden/pffft-wasm package, in single precision
 * (the decoded samples are 32-bit floats). Measured here against fft.js (a radix-4 JS FFT in double
 * precision): 2.3 µs instead of 10.8 µs for 1024 points, 4.8 µs instead of 26 µs for 2048, 10.6 µs
 * instead of 44 µs for 4096. This is the hot loop of every descriptor. The SIMD build needs
 * WebAssembly SIMD (V8 on x86-64 and arm64 since Node 16); without it the scalar build is used, and
 * if neither loads (a damaged install) fft.js does the same transforms, slower: the server starts
 * and analyses either way.
 */

/** Emscripten prints a failed instantiation as an abort; here a failure is expected and falls back (SIMD → scalar → fft.js). */
const quiet = { print: () => undefined, printErr: () => undefined };
/** undefined until {@link loadFft} ran; null when no PFFFT build loads (fft.js then). */
let pffft: PffftModule | null | undefined;
let loading: Promise<void> | null = null;

/**
 * Instantiates PFFFT once (SIMD build, else scalar, else none: fft.js), the event loop kept alive meanwhile
 * (loop.ts: an empty loop could deadlock Node 20 while the module compiles). Analyses call it before their
 * first transform; the server does not pay for the module (its 16 MB WebAssembly heap, ~2 MB resident)
 * until a file is analysed. Never rejects.
 */
export function loadFft(): Promise<void> {
  loading ??= whileLoopAlive((async () => {
    try { pffft = await createPffftSimd(quiet); return; } catch { /* no WebAssembly SIMD: the scalar build */ }
    try { pffft = await createPffft(quiet); } catch { pffft = null; }
  })());
  return loading;
}

/** The same transform with fft.js (double precision, copied into the same layout): the fallback of {@link createRealFft}, exported for its test. */
export function jsRealFft(n: number): RealFft {
  const fft = new FFT(n); const frame = new Float64Array(n); const full = new Float64Array(2 * n);
  const input = new Float32Array(n); const out = new Float32Array(n);
  return {
    size: n, input, out,
    forward: () => {
      frame.set(input);
      fft.realTransform(full, frame);
      out[0] = full[0]!; out[1] = full[n]!;
      for (let i = 2; i < n; i++) out[i] = full[i]!;
    },
  };
}

/**
 * A reusable FFT of one size, shared by every caller of {@link createRealFft} with that size: fill
 * {@link RealFft.input} (n samples), call {@link RealFft.forward}, read {@link RealFft.out} before
 * the next transform of the same size (the analysis runs one frame at a time, so sharing is safe).
 * `out[2k]`/`out[2k+1]` are the real/imaginary parts of bin k for 1 ≤ k < n/2; `out[0]` is bin 0
 * (real) and `out[1]` bin n/2 (real): PFFFT's ordered layout.
 */
export interface RealFft {
  readonly size: number;
  /** The frame to transform (n samples, written by the caller). */
  readonly input: Float32Array;
  /** The spectrum of the last {@link RealFft.forward}. */
  readonly out: Float32Array;
  forward(): void;
}

const ffts = new Map<number, RealFft>();

/**
 * The FFT of size n (created once per size; PFFFT's setup and buffers live in its WebAssembly heap).
 * Await {@link loadFft} once before the first call.
 * @param n frame length, a power of two ≥ 32 (PFFFT's smallest real transform).
 * @throws RangeError when n is not a power of two ≥ 32; Error when {@link loadFft} has not finished.
 */
export function createRealFft(n: number): RealFft {
  if (!Number.isInteger(n) || n < 32 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two >= 32, got ${n}`);
  const known = ffts.get(n);
  if (known) return known;
  if (pffft === undefined) throw new Error('createRealFft: await loadFft() before the first transform');
  if (!pffft) { const fallback = jsRealFft(n); ffts.set(n, fallback); return fallback; }
  const mod = pffft;
  const setup = mod._pffft_new_setup(n, 0);
  const inPtr = mod._pffft_aligned_malloc(n * 4); const outPtr = mod._pffft_aligned_malloc(n * 4); const workPtr = mod._pffft_aligned_malloc(n * 4);
  if (!setup || !inPtr || !outPtr || !workPtr) throw new RangeError(`PFFFT cannot set up a real FFT of ${n} points`);
  // Views on the heap; rebuilt if the heap ever grows (growing detaches the old buffer).
  let heap = mod.HEAPF32.buffer;
  let input = new Float32Array(heap, inPtr, n); let out = new Float32Array(heap, outPtr, n);
  const fresh = () => {
    if (mod.HEAPF32.buffer === heap) return;
    heap = mod.HEAPF32.buffer; input = new Float32Array(heap, inPtr, n); out = new Float32Array(heap, outPtr, n);
  };
  const fft: RealFft = {
    size: n,
    get input() { fresh(); return input; },
    get out() { fresh(); return out; },
    forward: () => mod._pffft_transform_ordered(setup, inPtr, outPtr, workPtr, 0),
  };
  ffts.set(n, fft);
  return fft;
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
 * 4-term Blackman–Harris window (−92 dB side lobes; F. J. Harris, Proc. IEEE 66(1), 1978): no side
 * lobe of a strong partial is mistaken for a peak of its own.
 */
export function blackmanHarris(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (2 * Math.PI * i) / n;
    w[i] = 0.35875 - 0.48829 * Math.cos(x) + 0.14128 * Math.cos(2 * x) - 0.01168 * Math.cos(3 * x);
  }
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
  // A short copy is a plain loop: a subarray is an object allocated per frame, and at the onset's
  // hop of 256 samples that allocation cost more CPU than the copy itself.
  return function push(chunk: Float32Array): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      const take = Math.min(size - filled, length - offset);
      if (take > 512) buf.set(chunk.subarray(offset, offset + take), filled);
      else for (let i = 0; i < take; i++) buf[filled + i] = chunk[offset + i]!;
      filled += take; offset += take;
      if (filled === size) {
        onFrame(buf);
        if (hop >= size) filled = 0;
        else { buf.copyWithin(0, hop); filled = size - hop; }
      }
    }
  };
}
