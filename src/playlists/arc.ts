/** Where the energy arc peaks, as a share of the list. */
export const ARC_PEAK = 0.65;

/**
 * The arc's target at relative position x (0..1): a warm-up from 0.3 to the peak at {@link ARC_PEAK},
 * then a cool-down to 0.4. Only the order of the targets matters.
 */
export function arcTarget(x: number): number {
  return x <= ARC_PEAK ? 0.3 + 0.7 * (x / ARC_PEAK) : 1 - 0.6 * ((x - ARC_PEAK) / (1 - ARC_PEAK));
}

/**
 * Orders a list as an energy arc (warm-up, peak, cool-down). Tracks with an energy are assigned to the
 * arc's positions by rank (the k-th lowest energy to the k-th lowest target: on a line this monotone
 * matching minimizes the summed distance to the targets); tracks without one keep their relative order
 * and are spread evenly between them. With fewer than half the tracks analysed, the list is returned as it is.
 */
export function energyArc<T extends { energy: number | null }>(items: T[]): T[] {
  const withEnergy = items.filter((t) => t.energy !== null);
  if (withEnergy.length < 3 || withEnergy.length * 2 < items.length) return [...items];
  const n = withEnergy.length;
  const positions = Array.from({ length: n }, (_, i) => ({ i, target: arcTarget(n === 1 ? 0 : i / (n - 1)) }))
    .sort((a, b) => a.target - b.target || a.i - b.i);
  const byEnergy = [...withEnergy].sort((a, b) => a.energy! - b.energy!);
  const arc = new Array<T>(n);
  positions.forEach((p, k) => { arc[p.i] = byEnergy[k]!; });
  const rest = items.filter((t) => t.energy === null);
  if (rest.length === 0) return arc;
  const out: T[] = [];
  const every = (n + rest.length) / rest.length;
  let r = 0;
  for (let slot = 0, a = 0; slot < n + rest.length; slot++) {
    if (r < rest.length && Math.floor((r + 0.5) * every) === slot) out.push(rest[r++]!);
    else if (a < n) out.push(arc[a++]!);
    else out.push(rest[r++]!);
  }
  return out;
}
