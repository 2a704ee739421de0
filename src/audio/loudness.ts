/**
 * Integrated loudness and loudness range per ITU-R BS.1770-4 / EBU R128 on every channel at the
 * file's own sample rate: each channel is K-weighted (a high-shelf pre-filter and the RLB
 * high-pass, coefficients derived for any sample rate with the bilinear formulas libebur128 uses),
 * the channels' mean squares are summed with their weights (1 for left, right and centre, 1.41 for
 * the surround channels, 0 for LFE; BS.1770-4 table 3) and only then gated: 400 ms blocks every
 * 100 ms, absolute gate −70 LUFS, relative gate −10 LU. Loudness range per EBU Tech 3342.
 */

interface Biquad { b0: number; b1: number; b2: number; a1: number; a2: number }

/** The two K-weighting stages for sample rate `fs` (Hz). */
export function kWeighting(fs: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533; const G = 3.999843853973347; let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / fs);
  const Vh = 10 ** (G / 20); const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf = { b0: (Vh + (Vb * K) / Q + K * K) / a0, b1: (2 * (K * K - Vh)) / a0, b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q + K * K) / a0 };
  f0 = 38.13547087602444; Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / fs);
  a0 = 1 + K / Q + K * K;
  const highpass = { b0: 1, b1: -2, b2: 1, a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q + K * K) / a0 };
  return [shelf, highpass];
}

/**
 * BS.1770-4 channel weights for ffmpeg's channel order: 1 for mono/stereo; for 5.1 (FL FR FC LFE
 * BL BR or SL SR) the LFE is left out and the surrounds count 1.41; other layouts weigh every channel 1.
 */
export function channelWeights(channels: number): number[] {
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return new Array<number>(channels).fill(1);
}

/** Interleaved samples: floats at full scale 1.0, or integers that `inputScale` brings to it. */
export type MeterSamples = Float32Array | Int16Array;

/**
 * Streaming meter. `push` interleaved samples of `channels` channels at `fs` Hz (any chunk size,
 * frames may straddle chunks), then `lufs()` and `range()`. `inputScale` (default 1) is what one
 * unit of the pushed samples is at full scale: 16-bit samples are metered as they come and the
 * mean squares scaled by `inputScale`² once per 100 ms block (the K-weighting filters are linear,
 * so this equals converting every sample first, without the pass over them).
 */
export function createLoudnessMeter(fs: number, channels = 1, inputScale = 1) {
  const [s1, s2] = kWeighting(fs);
  const weights = channelWeights(channels);
  // Filter state per channel: x1 x2 y1 y2 z1 z2 (direct form I, two stages).
  const state = new Float64Array(channels * 6);
  const sub = Math.round(fs / 10);                     // 100 ms sub-blocks, in frames
  const acc = new Float64Array(channels);
  let n = 0;                                           // frames into the current sub-block
  let pending: MeterSamples | null = null;             // samples of a frame split across chunks
  const power = inputScale * inputScale;
  let subBlocks = new Float64Array(1024); let count = 0;  // weighted channel sum of each 100 ms mean square

  /** Filters `frames` frames of channel `c` starting at frame `from` of `x`, adding the squares to acc[c]. */
  function filter(x: MeterSamples, c: number, from: number, frames: number): void {
    const o = c * 6;
    let x1 = state[o]!; let x2 = state[o + 1]!; let y1 = state[o + 2]!; let y2 = state[o + 3]!; let z1 = state[o + 4]!; let z2 = state[o + 5]!;
    const { b0: a0, b1: a1, b2: a2, a1: p1, a2: p2 } = s1;
    const { b0: c0, b1: c1, b2: c2, a1: q1, a2: q2 } = s2;
    let sum = 0;
    const end = (from + frames) * channels;
    for (let i = from * channels + c; i < end; i += channels) {
      const v = x[i]!;
      const y = a0 * v + a1 * x1 + a2 * x2 - p1 * y1 - p2 * y2;
      const z = c0 * y + c1 * y1 + c2 * y2 - q1 * z1 - q2 * z2;
      x2 = x1; x1 = v; y2 = y1; y1 = y; z2 = z1; z1 = z;
      sum += z * z;
    }
    state[o] = x1; state[o + 1] = x2; state[o + 2] = y1; state[o + 3] = y2; state[o + 4] = z1; state[o + 5] = z2;
    acc[c] = acc[c]! + sum;
  }

  /** Both channels of a stereo stream in one loop: two independent filter chains run in parallel on the CPU. */
  function filterStereo(x: MeterSamples, from: number, frames: number): void {
    let lx1 = state[0]!; let lx2 = state[1]!; let ly1 = state[2]!; let ly2 = state[3]!; let lz1 = state[4]!; let lz2 = state[5]!;
    let rx1 = state[6]!; let rx2 = state[7]!; let ry1 = state[8]!; let ry2 = state[9]!; let rz1 = state[10]!; let rz2 = state[11]!;
    const { b0: a0, b1: a1, b2: a2, a1: p1, a2: p2 } = s1;
    const { b0: c0, b1: c1, b2: c2, a1: q1, a2: q2 } = s2;
    let sl = 0; let sr = 0;
    const end = (from + frames) * 2;
    for (let i = from * 2; i < end; i += 2) {
      const l = x[i]!; const r = x[i + 1]!;
      const ly = a0 * l + a1 * lx1 + a2 * lx2 - p1 * ly1 - p2 * ly2;
      const ry = a0 * r + a1 * rx1 + a2 * rx2 - p1 * ry1 - p2 * ry2;
      const lz = c0 * ly + c1 * ly1 + c2 * ly2 - q1 * lz1 - q2 * lz2;
      const rz = c0 * ry + c1 * ry1 + c2 * ry2 - q1 * rz1 - q2 * rz2;
      lx2 = lx1; lx1 = l; ly2 = ly1; ly1 = ly; lz2 = lz1; lz1 = lz;
      rx2 = rx1; rx1 = r; ry2 = ry1; ry1 = ry; rz2 = rz1; rz1 = rz;
      sl += lz * lz; sr += rz * rz;
    }
    state[0] = lx1; state[1] = lx2; state[2] = ly1; state[3] = ly2; state[4] = lz1; state[5] = lz2;
    state[6] = rx1; state[7] = rx2; state[8] = ry1; state[9] = ry2; state[10] = rz1; state[11] = rz2;
    acc[0] = acc[0]! + sl; acc[1] = acc[1]! + sr;
  }

  function closeSubBlock(): void {
    let sum = 0;
    for (let c = 0; c < channels; c++) { sum += weights[c]! * acc[c]!; acc[c] = 0; }
    if (count === subBlocks.length) { const grown = new Float64Array(count * 2); grown.set(subBlocks); subBlocks = grown; }
    subBlocks[count++] = (sum * power) / sub;
    n = 0;
  }

  function push(chunk: MeterSamples): void {
    let samples = chunk;
    if (pending) {
      const joined = chunk instanceof Int16Array ? new Int16Array(pending.length + chunk.length) : new Float32Array(pending.length + chunk.length);
      joined.set(pending); joined.set(chunk, pending.length); samples = joined; pending = null;
    }
    const frames = Math.floor(samples.length / channels);
    if (frames * channels < samples.length) pending = samples.slice(frames * channels);
    let at = 0;
    while (at < frames) {
      const take = Math.min(sub - n, frames - at);
      if (channels === 2) filterStereo(samples, at, take);
      else for (let c = 0; c < channels; c++) filter(samples, c, at, take);
      at += take; n += take;
      if (n === sub) closeSubBlock();
    }
  }
  const toLufs = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);
  /** Mean squares of sliding windows of `width` sub-blocks. */
  function windows(width: number): number[] {
    const out: number[] = [];
    let sum = 0;
    for (let i = 0; i < count; i++) {
      sum += subBlocks[i]!;
      if (i >= width) sum -= subBlocks[i - width]!;
      if (i >= width - 1) out.push(sum / width);
    }
    return out;
  }
  /** Integrated loudness (LUFS), or null when every block is below the absolute gate (silence, too short). */
  function lufs(): number | null {
    const blocks = windows(4).filter((z) => z > 0 && toLufs(z) > -70);
    if (blocks.length === 0) return null;
    const relative = toLufs(blocks.reduce((a, b) => a + b, 0) / blocks.length) - 10;
    const gated = blocks.filter((z) => toLufs(z) > relative);
    return toLufs(gated.reduce((a, b) => a + b, 0) / gated.length);
  }
  /** Loudness range (LU) of 3 s short-term loudness, 10th to 95th percentile (EBU Tech 3342), or null. */
  function range(): number | null {
    const st = windows(30).filter((z) => z > 0 && toLufs(z) > -70).map(toLufs).sort((a, b) => a - b);
    if (st.length < 2) return null;
    const mean = st.reduce((a, b) => a + 10 ** (b / 10), 0) / st.length;
    const kept = st.filter((l) => l > 10 * Math.log10(mean) - 20);
    const pick = (p: number) => kept[Math.min(kept.length - 1, Math.floor(p * (kept.length - 1)))]!;
    return kept.length < 2 ? 0 : pick(0.95) - pick(0.1);
  }
  return { push, lufs, range };
}
