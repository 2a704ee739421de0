/** A weighted point (a track's feature vector, weighted by its plays). */
export interface Point { v: readonly number[]; w: number }

/** Euclidean distance. */
export function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A clustering: the medoid index of each cluster and the cluster of each point. */
export interface Clustering { medoids: number[]; assignment: number[]; weights: number[] }

/**
 * Weighted k-medoids (Kaufman & Rousseeuw, "Finding Groups in Data", 1990) with the alternating
 * (Voronoi-iteration) update of Park & Jun, "A simple and fast algorithm for K-medoids clustering"
 * (Expert Systems with Applications 36, 2009): assign each point to its nearest medoid, then move each
 * medoid to the member that minimizes the weighted distance to the other members; repeat until nothing
 * changes (at most `maxIter`). Deterministic initialisation: the weighted-most-central point, then
 * repeatedly the point with the largest w · D², D its distance to the nearest medoid so far (k-means++'s
 * weighting without the randomness). O(n² · iterations): meant for a week's distinct tracks (hundreds).
 */
export function kMedoids(points: readonly Point[], k: number, maxIter = 20): Clustering {
  const n = points.length;
  if (n === 0) return { medoids: [], assignment: [], weights: [] };
  const kk = Math.max(1, Math.min(k, n));
  const d = (i: number, j: number) => distance(points[i]!.v, points[j]!.v);
  const cost = (i: number, members: number[]) => members.reduce((a, j) => a + points[j]!.w * d(i, j), 0);

  const all = points.map((_, i) => i);
  let first = 0; let best = Infinity;
  for (const i of all) { const c = cost(i, all); if (c < best) { best = c; first = i; } }
  const medoids = [first];
  while (medoids.length < kk) {
    let pick = -1; let score = -1;
    for (const i of all) {
      if (medoids.includes(i)) continue;
      const nearest = Math.min(...medoids.map((m) => d(i, m)));
      const s = points[i]!.w * nearest * nearest;
      if (s > score) { score = s; pick = i; }
    }
    if (pick < 0 || score === 0) break;
    medoids.push(pick);
  }

  const assign = () => all.map((i) => {
    let c = 0; let bestD = Infinity;
    medoids.forEach((m, ci) => { const dm = d(i, m); if (dm < bestD) { bestD = dm; c = ci; } });
    return c;
  });
  let assignment = assign();
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = false;
    medoids.forEach((m, ci) => {
      const members = all.filter((i) => assignment[i] === ci);
      let bestM = m; let bestCost = cost(m, members);
      for (const i of members) { const c = cost(i, members); if (c < bestCost - 1e-12) { bestCost = c; bestM = i; } }
      if (bestM !== m) { medoids[ci] = bestM; changed = true; }
    });
    if (!changed) break;
    assignment = assign();
  }
  const weights = medoids.map((_, ci) => all.filter((i) => assignment[i] === ci).reduce((a, i) => a + points[i]!.w, 0));
  return { medoids, assignment, weights };
}
