import { expect } from 'chai';
import { ENTITIES, devicePayload } from '../../src/mqtt/index.js';
import { storyEventPayload, type AccountView } from '../../src/mqtt/entities.js';
import type { StoryReady } from '../../src/types.js';

const ctx = { prefix: 'homeassistant', base: 'vibescope', version: '0.1.0', configurationUrl: null, displayName: (a: string) => a };
const story: StoryReady = { id: 7, account: 'anna', period: 'week', start: '2024-10-07', end: '2024-10-13', title: '103 plays, led by Taylor Swift',
  summary: 'You played 103 tracks for 6.5 hours across 6 days. Taylor Swift set the tone.', highlights: ['a', 'b', 'c'],
  persona: { name: 'The devotee', description: 'One artist, one obsession.' }, status: 'accepted', source: 'model', created_at: Date.UTC(2024, 9, 14, 6) };
const view = (s: StoryReady | null): AccountView => ({ account: 'anna', now_playing: null, counters: null, sync: null, features: null, story: s });

describe('mqtt: the story entities (sensor.vibescope_<acct>_weekly_story, event.vibescope_<acct>_story)', () => {
  it('are in the device discovery with the entity ids an automation uses', () => {
    const { payload } = devicePayload(ctx, 'anna') as any;
    expect(payload.components.weekly_story).to.include({ platform: 'sensor', default_entity_id: 'sensor.vibescope_anna_weekly_story',
      state_topic: 'vibescope/anna/weekly_story', json_attributes_topic: 'vibescope/anna/weekly_story/attributes' });
    expect(payload.components.story).to.include({ platform: 'event', default_entity_id: 'event.vibescope_anna_story', state_topic: 'vibescope/anna/story' });
    expect(payload.components.story.event_types).to.deep.equal(['ready']);
  });

  it('the sensor shows the title as state and summary, highlights, persona and period as attributes; unknown without a story', () => {
    const def = ENTITIES.find((e) => e.key === 'weekly_story')!;
    expect(def.state!(view(story))).to.equal(story.title);
    expect(def.attributes!(view(story))).to.deep.equal({ summary: story.summary, highlights: ['a', 'b', 'c'], persona: story.persona,
      period: { kind: 'week', start: '2024-10-07', end: '2024-10-13' }, status: 'accepted', source: 'model', created_at: '2024-10-14T06:00:00.000Z' });
    expect(def.state!(view(null))).to.equal(null);
    expect(def.state!({ ...view(null), story: undefined })).to.equal(null);
  });

  it('the event payload has event_type ready and the text to send or speak', () => {
    expect(storyEventPayload(story)).to.deep.include({ event_type: 'ready', title: story.title, summary: story.summary, period: 'week' });
  });
});
