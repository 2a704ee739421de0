import { expect } from 'chai';
import { ENTITIES } from '../../src/mqtt/index.js';
import type { NowPlaying } from '../../src/types.js';

const playing: NowPlaying = { account: 'default', active: true, is_playing: true, idle_reason: null, content: 'track', track_uri: 'spotify:track:x', track_name: 'Roads',
  artists: ['Portishead'], album_name: 'Dummy', album_art_url: null, duration_ms: 305_000, progress_ms: 1000, device_name: null, device_type: null, context_uri: null,
  shuffle: null, repeat: null, started_at: null, observed_at: 0 };

describe('metadata: Home Assistant entity rows', () => {
  it('top genre of the week is a sensor whose state is the genre, with its share as an attribute', () => {
    const def = ENTITIES.find((e) => e.key === 'top_genre_week')!;
    expect(def.component).to.equal('sensor');
    const view = { account: 'default', now_playing: null, counters: null, sync: null, features: null, top_genre_week: { genre: 'trip hop', plays: 12, share: 0.4 } };
    expect(def.state!(view)).to.equal('trip hop');
    expect(def.attributes!(view)).to.deep.equal({ share: 0.4, plays: 12 });
    expect(def.state!({ ...view, top_genre_week: null }), 'no genres known yet: unknown').to.equal(null);
  });

  it('now playing carries the current track\'s genres as an attribute ([] when none are known)', () => {
    const def = ENTITIES.find((e) => e.key === 'now_playing')!;
    const view = { account: 'default', now_playing: playing, counters: null, sync: null, features: null, genres: ['trip hop', 'downtempo'] };
    expect(def.attributes!(view)).to.include.keys('genres');
    expect(def.attributes!(view)!.genres).to.deep.equal(['trip hop', 'downtempo']);
    expect(def.attributes!({ ...view, genres: undefined })!.genres).to.deep.equal([]);
  });
});
