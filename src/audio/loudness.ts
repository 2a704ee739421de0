/**
 * Integrated loudness per ITU-R BS.1770-4 / EBU R128 for a mono signal: K-weighting (a high-shelf
 * pre-filter and the RLB high-pass, coefficients derived for any sample rate with the bilinear
 * formulas libebur128 uses), 400 ms blocks every 100 ms, absolute gate −70 LUFS, relative gate −10 LU.
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

/** Streaming integrated-loudness meter. `push` samples, then `lufs()`; also the short-term (3 s) loudness range. */
export function createLoudnessMeter(fs: number) {
  const [s1, s2] = kWeighting(fs);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;  // filter states (direct form I, two stages)
  const sub = Math.round(fs / 10);                     // 100 ms sub-blocks
  let acc = 0; let n = 0;
  const subBlocks: number[] = [];                       // mean square of each 100 ms
  function push(samples: Float32Array): void {
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      const y = s1.b0 * x + s1.b1 * x1 + s1.b2 * x2 - s1.a1 * y1 - s1.a2 * y2;
      x2 = x1; x1 = x;
      const z = s2.b0 * y + s2.b1 * y1 + s2.b2 * y2 - s2.a1 * z1 - s2.a2 * z2;
      y2 = y1; y1 = y; z2 = z1; z1 = z;
      acc += z * z;
      if (++n === sub) { subBlocks.push(acc / sub); acc = 0; n = 0; }
    }
  }
  const toLufs = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);
  /** Mean squares of sliding windows of `width` sub-blocks. */
  function windows(width: number): number[] {
    const out: number[] = [];
    let sum = 0;
    for (let i = 0; i < subBlocks.length; i++) {
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
