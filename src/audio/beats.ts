/**
 * Beat tracking by dynamic programming (D. P. W. Ellis, "Beat tracking by dynamic programming",
 * J. New Music Research 36(1), 2007, §3.2): the best beat sequence maximises the onset strength at
 * the beats minus a penalty α·log²(interval / period) for every interval that strays from the
 * tempo's period. C(t) = o(t) + max over τ in [t − 2p, t − p/2] of C(τ) − α·log²((t − τ)/p);
 * the beats are read back from the best C in the last period.
 */
const TIGHTNESS = 100;

/**
 * @param onset the normalised onset envelope (zero mean, unit deviation), one value per frame.
 * @param period the beat period in frames (may be fractional).
 * @returns beat positions in frames, ascending.
 */
export function trackBeats(onset: Float64Array, period: number): number[] {
  const n = onset.length;
  if (n === 0 || !(period >= 2)) return [];
  const score = new Float64Array(n);
  const from = new Int32Array(n).fill(-1);
  const lo = Math.round(period / 2); const hi = Math.round(2 * period);
  const penalty = new Float64Array(hi + 1);
  for (let d = lo; d <= hi; d++) penalty[d] = TIGHTNESS * Math.log(d / period) ** 2;
  // Local score: the envelope smoothed by a Gaussian of ±period/32 frames, as in Ellis §3.2.
  const local = new Float64Array(n);
  const sigma = Math.max(1, period / 32); const reach = Math.ceil(2 * sigma);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let j = -reach; j <= reach; j++) { const v = onset[t + j]; if (v !== undefined) s += v * Math.exp(-0.5 * (j / sigma) ** 2); }
    local[t] = s;
  }
  for (let t = 0; t < n; t++) {
    let best = 0; let arg = -1;
    for (let d = lo; d <= hi && t - d >= 0; d++) {
      const v = score[t - d]! - penalty[d]!;
      if (arg < 0 || v > best) { best = v; arg = t - d; }
    }
    score[t] = local[t]! + (arg >= 0 && best > 0 ? best : 0);
    from[t] = arg >= 0 && best > 0 ? arg : -1;
  }
  // The last beat: the best score within the final period.
  let last = n - 1;
  for (let t = Math.max(0, n - Math.ceil(period)); t < n; t++) if (score[t]! > score[last]!) last = t;
  const beats: number[] = [];
  for (let t = last; t >= 0; t = from[t]!) beats.push(t);
  return beats.reverse();
}
