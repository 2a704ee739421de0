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

/**
 * Streaming meter. `push` interleaved samples of `channels` channels at `fs` Hz (any chunk size,
 * frames may straddle chunks), then `lufs()` and `range()`.
 */
export function createLoudnessMeter(fs: number, channels = 1) {
  const [s1, s2] = kWeighting(fs);
  const weights = channelWeights(channels);
  // Filter state per channel: x1 x2 y1 y2 z1 z2 (direct form I, two stages).
  const state = new Float64Array(channels * 6);
  const sub = Math.round(fs / 10);                     // 100 ms sub-blocks, in frames
  const acc = new Float64Array(channels);
  let n = 0; let channel = 0;
  let subBlocks = new Float64Array(1024); let count = 0;  // weighted channel sum of each 100 ms mean square

  function push(samples: Float32Array): void {
    const { b0: a0, b1: a1, b2: a2, a1: p1, a2: p2 } = s1;
    const { b0: c0, b1: c1, b2: c2, a1: q1, a2: q2 } = s2;
    for (let i = 0; i < samples.length; i++) {
      const o = channel * 6;
      const x = samples[i]!;
      const x1 = state[o]!; const x2 = state[o + 1]!; const y1 = state[o + 2]!; const y2 = state[o + 3]!;
      const y = a0 * x + a1 * x1 + a2 * x2 - p1 * y1 - p2 * y2;
      const z = c0 * y + c1 * y1 + c2 * y2 - q1 * state[o + 4]! - q2 * state[o + 5]!;
      state[o + 1] = x1; state[o] = x; state[o + 3] = y1; state[o + 2] = y; state[o + 5] = state[o + 4]!; state[o + 4] = z;
      acc[channel] = acc[channel]! + z * z;
      if (++channel === channels) {
        channel = 0;
        if (++n === sub) {
          let sum = 0;
          for (let c = 0; c < channels; c++) { sum += weights[c]! * acc[c]!; acc[c] = 0; }
          if (count === subBlocks.length) { const grown = new Float64Array(count * 2); grown.set(subBlocks); subBlocks = grown; }
          subBlocks[count++] = sum / sub;
          n = 0;
        }
      }
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
