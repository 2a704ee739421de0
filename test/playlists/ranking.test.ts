import { expect } from 'chai';
import { energyArc, arcTarget, ARC_PEAK } from '../../src/playlists/arc.js';
import { kMedoids } from '../../src/playlists/kmedoids.js';
import { rank, WEIGHTS, type Ranked, type RankContext } from '../../src/playlists/rank.js';
import { selectTracks } from '../../src/playlists/select.js';
import { renderM3u } from '../../src/playlists/m3u.js';
import { chunks } from '../../src/playlists/publish.js';
import type { Candidate } from '../../src/playlists/candidates.js';
import type { SeedProfile } from '../../src/playlists/seed.js';

/** A hand-made ranked candidate. */
function r(n: number, score: number, extra: Partial<Ranked> = {}): Ranked {
  return { key: `spotify:track:${n}`, uri: `spotify:track:${n}`, track_id: null, name: `Song ${n}`, artist_name: `Artist ${n}`, artist_key: `artist ${n}`,
    album_name: null, image_url: null, duration_ms: 200_000, isrc: null, name_key: `artist ${n}\u0001song ${n}`, source: 'spotify_search',
    sources: new Set(['spotify_search']), prior: 0.5, why: 'test', score, parts: {} as never, is_new: false, energy: null, exclusion: null, ...extra };
}

function seed(extra: Partial<SeedProfile> = {}): SeedProfile {
  return { account_id: 1, window: { from: 0, to: 1, days: 14, shifted: false }, tracks: [], byKey: new Map(), streamedUris: new Set(), recentKeys: new Set(),
    artists: new Map(), topArtists: [], topTracks: [], hourProfile: new Array(24).fill(1 / 24), features: new Map(), energy: null, ...extra };
}
function candidate(n: number, extra: Partial<Candidate> = {}): Candidate {
  return { key: `spotify:track:${n}`, uri: `spotify:track:${n}`, track_id: null, name: `Song ${n}`, artist_name: 'A', artist_key: 'a', album_name: null,
    image_url: null, duration_ms: null, isrc: null, name_key: `a\u0001song ${n}`, source: 'spotify_search', sources: new Set(['spotify_search']), prior: 0.5, why: 'w', ...extra };
}
function ctx(s: SeedProfile, extra: Partial<RankContext> = {}): RankContext {
  return { seed: s, feedback: { skippedFromPlaylist: new Set(), fullyPlayed: new Set(), artists: new Map() }, recommended: new Map(), seedGenres: new Map(),
    genresOf: () => [], date: (ms) => new Date(ms).toISOString().slice(0, 10), weekday: 'Monday', ...extra };
}

describe('playlists: ranking, selection, energy arc, k-medoids, M3U', () => {
  describe('selectTracks', () => {
    it('takes at most 2 per artist and no song twice (same ISRC, or same artist + title)', () => {
      const list = [
        r(1, 0.9, { artist_key: 'x', artist_name: 'X' }), r(2, 0.8, { artist_key: 'x', artist_name: 'X' }), r(3, 0.7, { artist_key: 'x', artist_name: 'X' }),
        r(4, 0.6, { isrc: 'ISRC1' }), r(5, 0.55, { isrc: 'ISRC1' }), r(6, 0.5, { name_key: 'artist 4\u0001song 4', artist_key: 'artist 4' }), r(7, 0.4), r(8, 0.3),
      ];
      const sel = selectTracks(list, { size: 4, minNewRatio: 0 });
      expect(sel.chosen.map((c) => c.uri)).to.deep.equal(['spotify:track:1', 'spotify:track:2', 'spotify:track:4', 'spotify:track:7']);
      expect(sel.exclusions.map((e) => e.reason)).to.deep.equal([
        'already 2 tracks by X in the list', 'the same recording as "Song 4" (same ISRC), already in the list',
        'the same song as "Song 4" by Artist 4, already in the list']);
    });

    it('reserves ceil(size × ratio) slots for the best new tracks, even when old ones score higher', () => {
      const list = [...[1, 2, 3, 4, 5, 6].map((n) => r(n, 1 - n / 100)), ...[7, 8, 9].map((n) => r(n, 0.5 - n / 100, { is_new: true }))];
      const sel = selectTracks(list, { size: 5, minNewRatio: 0.3 });
      expect(sel.needed_new).to.equal(2);
      expect(sel.chosen.filter((c) => c.is_new).map((c) => c.uri)).to.deep.equal(['spotify:track:7', 'spotify:track:8']);
      expect(sel.chosen.filter((c) => !c.is_new).map((c) => c.uri)).to.deep.equal(['spotify:track:1', 'spotify:track:2', 'spotify:track:3']);
      expect(sel.exclusions.map((e) => e.reason)).to.deep.equal(['its slot went to a new track (vibe_min_new_ratio asks for 2 new tracks)',
        'its slot went to a new track (vibe_min_new_ratio asks for 2 new tracks)', 'its slot went to a new track (vibe_min_new_ratio asks for 2 new tracks)']);
    });

    it('never picks a hard-excluded candidate, and says when too few (new) tracks were found', () => {
      const list = [r(1, 0.9, { exclusion: 'you skipped it 3 times' }), r(2, 0.8), r(3, 0.7, { is_new: true }), r(4, 0.6, { exclusion: 'you played it in the last 14 days' })];
      const sel = selectTracks(list, { size: 10, minNewRatio: 0.3 });
      expect(sel.chosen.map((c) => c.uri)).to.deep.equal(['spotify:track:2', 'spotify:track:3']);
      expect(sel.exclusions, 'a short list reports everything left out').to.deep.equal([
        { uri: 'spotify:track:1', name: 'Song 1', artist_name: 'Artist 1', score: 0.9, reason: 'you skipped it 3 times' },
        { uri: 'spotify:track:4', name: 'Song 4', artist_name: 'Artist 4', score: 0.6, reason: 'you played it in the last 14 days' }]);
      expect(sel.notes).to.deep.equal(['Only 2 suitable tracks were found, fewer than the 10 asked for.',
        'Only 1 new track was found, fewer than the 3 vibe_min_new_ratio asks for.']);
    });
  });

  describe('rank', () => {
    it('scores with the documented weights: a track skipped from an earlier playlist loses exactly playlist_skip', () => {
      const s = seed();
      const a = candidate(1); const b = candidate(2);
      const plain = rank([a, b], ctx(s));
      const penalised = rank([a, b], ctx(s, { feedback: { skippedFromPlaylist: new Set([b.name_key]), fullyPlayed: new Set(), artists: new Map() } }));
      const score = (list: Ranked[], c: Candidate) => list.find((x) => x.key === c.key)!.score;
      expect(score(plain, b) - score(penalised, b)).to.be.closeTo(WEIGHTS.playlist_skip, 1e-4);
      expect(penalised.at(-1)!.key).to.equal(b.key);
      // With nothing known: 0.10 · prior + 0.10 · 0.5 (time of day) + 0.15 · 0.5 (energy) + 0.15 · 0.5 (feedback).
      expect(score(plain, a)).to.be.closeTo(0.10 * 0.5 + 0.10 * 0.5 + 0.15 * 0.5 + 0.15 * 0.5, 1e-4);
    });

    it('excludes songs recommended within 60 days, skipped 3+ times, or played in the recent window; marks never-streamed ones new', () => {
      const s = seed({ byKey: new Map([['a\u0001song 2', { plays: 1, skips: 3, last_at: 1 }], ['a\u0001song 3', { plays: 2, skips: 0, last_at: 1 }]]),
        recentKeys: new Set(['a\u0001song 3']) });
      const ranked = rank([candidate(1), candidate(2), candidate(3), candidate(4)], ctx(s, { recommended: new Map([['spotify:track:1', Date.UTC(2025, 0, 2)]]) }));
      const by = new Map(ranked.map((x) => [x.key, x]));
      expect(by.get('spotify:track:1')!.exclusion).to.equal('already in the vibe playlist of 2025-01-02 (nothing comes back within 60 days)');
      expect(by.get('spotify:track:2')!.exclusion).to.equal('you skipped it 3 times');
      expect(by.get('spotify:track:3')!.exclusion).to.equal('you played it in the last 14 days');
      expect(by.get('spotify:track:4')!.exclusion).to.equal(null);
      expect([...by.values()].filter((x) => x.is_new).map((x) => x.key)).to.deep.equal(['spotify:track:1', 'spotify:track:4']);
    });

    it('rewards energy close to the recent mean and a song played fully from an earlier playlist', () => {
      const s = seed({ energy: { mean: 0.7, sd: 0.1, plays: 10 }, features: new Map([[1, { energy: 0.7, valence: null, danceability: null, acousticness: null, tempo_bpm: null }],
        [2, { energy: 0.2, valence: null, danceability: null, acousticness: null, tempo_bpm: null }]]) });
      const ranked = rank([candidate(1, { track_id: 1 }), candidate(2, { track_id: 2 }), candidate(3)],
        ctx(s, { feedback: { skippedFromPlaylist: new Set(), fullyPlayed: new Set(['a\u0001song 3']), artists: new Map() } }));
      const by = new Map(ranked.map((x) => [x.key, x]));
      expect(by.get('spotify:track:1')!.parts.energy).to.equal(1);
      expect(by.get('spotify:track:2')!.parts.energy).to.equal(0);
      expect(by.get('spotify:track:3')!.parts.energy).to.equal(0.5);
      expect(by.get('spotify:track:3')!.parts.feedback).to.equal(1);
    });
  });

  describe('energyArc', () => {
    it('rises to the peak at about two thirds and falls after it; tracks without energy keep their order between', () => {
      const items = Array.from({ length: 21 }, (_, i) => ({ id: i, energy: i / 20 }));
      const arc = energyArc(items);
      const peakAt = arc.findIndex((t) => t.energy === 1);
      expect(peakAt).to.equal(Math.round(ARC_PEAK * 20));
      for (let i = 1; i <= peakAt; i++) expect(arc[i]!.energy).to.be.above(arc[i - 1]!.energy!);
      for (let i = peakAt + 1; i < arc.length; i++) expect(arc[i]!.energy).to.be.below(arc[i - 1]!.energy!);
      expect(arcTarget(0)).to.be.below(arcTarget(1));
      const mixed = energyArc([{ id: 'a', energy: 0.9 }, { id: 'x', energy: null }, { id: 'b', energy: 0.1 }, { id: 'c', energy: 0.5 }, { id: 'y', energy: null }]);
      expect(mixed).to.have.length(5);
      expect(mixed.filter((t) => t.energy === null).map((t) => t.id)).to.deep.equal(['x', 'y']);
      expect(energyArc([{ energy: null }, { energy: null }, { energy: 0.3 }])).to.deep.equal([{ energy: null }, { energy: null }, { energy: 0.3 }]);
    });
  });

  describe('kMedoids', () => {
    it('finds two well-separated weighted clusters, deterministically, with the heavier one identifiable', () => {
      const a = [[0.9, 0.8], [0.85, 0.9], [0.95, 0.85], [0.9, 0.95]].map((v) => ({ v, w: 5 }));
      const b = [[0.1, 0.2], [0.15, 0.1], [0.05, 0.15]].map((v) => ({ v, w: 1 }));
      const points = [...b, ...a];
      const c1 = kMedoids(points, 2);
      const c2 = kMedoids(points, 2);
      expect(c1).to.deep.equal(c2);
      const clusterOfA = c1.assignment[3]!;
      for (let i = 3; i < 7; i++) expect(c1.assignment[i]).to.equal(clusterOfA);
      for (let i = 0; i < 3; i++) expect(c1.assignment[i]).to.not.equal(clusterOfA);
      expect(c1.weights[clusterOfA]).to.equal(20);
      expect(c1.weights[1 - clusterOfA]).to.equal(3);
      // The medoid of a cluster is one of its members.
      expect(c1.assignment[c1.medoids[clusterOfA]!]).to.equal(clusterOfA);
      expect(kMedoids([], 3)).to.deep.equal({ medoids: [], assignment: [], weights: [] });
    });
  });

  it('renders extended M3U (UTF-8) with durations in seconds and one path per entry; batches of 100', () => {
    expect(renderM3u('Vibe · Tue 3 Nov', [{ path: '/media/music/Björk/Jóga.flac', duration_s: 305, artist: 'Björk', title: 'Jóga' },
      { path: '/share/x.mp3', duration_s: null, artist: null, title: 'Line\nbreak' }]))
      .to.equal('#EXTM3U\n#PLAYLIST:Vibe · Tue 3 Nov\n#EXTINF:305,Björk - Jóga\n/media/music/Björk/Jóga.flac\n#EXTINF:-1,Line break\n/share/x.mp3\n');
    expect(chunks(Array.from({ length: 250 }, (_, i) => i), 100).map((c) => c.length)).to.deep.equal([100, 100, 50]);
  });
});
