import { expect } from 'chai';
import { similarity, pickRecording, acceptLookup } from '../../src/metadata/match.js';
import { createCountryNames } from '../../src/metadata/country.js';
import { chooseGenres } from '../../src/metadata/derive.js';
import type { MbRecording } from '../../src/metadata/musicbrainz.js';

const rec = (title: string, artist: string, length: number | null, score: number | null = 100, mbid = 'a'): MbRecording =>
  ({ mbid, title, length_ms: length, score, artists: [{ mbid: 'x', name: artist }], credit_name: artist, release_titles: [] });

describe('metadata: matching, countries and the genre rule', () => {
  it('names compare after normalisation (case, diacritics, feat. credits, remaster suffixes)', () => {
    expect(similarity('Beyoncé', 'beyonce')).to.equal(1);
    expect(similarity('Roads - Remastered 2011', 'Roads')).to.equal(1);
    expect(similarity('Song (feat. Someone)', 'Song')).to.equal(1);
    expect(similarity('Roads', 'Glory Box')).to.be.below(0.5);
  });

  it('picks the candidate with the same title, artist and length; refuses (with a reason) rather than guess', () => {
    const q = { title: 'Roads', artist: 'Portishead', album: null, duration_ms: 305_000 };
    expect(pickRecording(q, [rec('Roads', 'Portishead', 306_000)]).recording?.mbid).to.equal('a');
    expect(pickRecording(q, [rec('Roads', 'Portishead', 200_000)])).to.deep.equal({ recording: null, reason: 'the MusicBrainz recordings of this name differ in length' });
    expect(pickRecording(q, [rec('Glory Box', 'Portishead', 305_000)]).reason).to.equal('no MusicBrainz recording has this title and artist');
    expect(pickRecording(q, [rec('Roads', 'Portishead', 305_000, 40)]).recording, 'a weak search score is not enough').to.equal(null);
    expect(pickRecording(q, []).reason).to.equal('MusicBrainz has no recording by that name');
    expect(pickRecording(q, [rec('Roads', 'Portishead', 320_000, 100, 'far'), rec('Roads', 'Portishead', 304_000, 90, 'near')]).recording?.mbid, 'closest length first').to.equal('near');
  });

  it('refuses a ListenBrainz match that names another song', () => {
    const q = { title: 'Roads', artist: 'Portishead', album: null, duration_ms: null };
    expect(acceptLookup(q, { recording_name: 'Roads', artist_credit_name: 'Portishead' })).to.equal(true);
    expect(acceptLookup(q, { recording_name: 'Never Gonna Give You Up', artist_credit_name: 'Rick Astley' })).to.equal(false);
  });

  it('maps MusicBrainz country names to ISO 3166-1 alpha-2 through i18n-iso-countries, not cities, regions or Europe', () => {
    const c = createCountryNames();
    expect(c.codeOf('United Kingdom')).to.equal('GB');
    expect(c.codeOf('South Korea')).to.equal('KR');
    expect(c.codeOf('Bristol')).to.equal(null);
    expect(c.codeOf('Georgia'), 'also a US state: always walked at MusicBrainz').to.equal(null);
    expect(c.isCountry('XE')).to.equal(false);
  });

  it('the genre rule keeps genres with at least a third of the top votes, at most five, weights summing to 1', () => {
    const g = chooseGenres([{ tag_id: 1, count: 8 }, { tag_id: 2, count: 3 }, { tag_id: 3, count: 2 }, { tag_id: 4, count: 0 }]);
    expect(g.map((x) => x.tag_id)).to.deep.equal([1, 2]);
    expect(g.reduce((s, x) => s + x.weight, 0)).to.be.closeTo(1, 1e-9);
    expect(g[0]!.weight).to.be.closeTo(8 / 11, 1e-9);
    expect(chooseGenres(Array.from({ length: 9 }, (_, i) => ({ tag_id: i, count: 5 })))).to.have.length(5);
    expect(chooseGenres([])).to.deep.equal([]);
  });
});
