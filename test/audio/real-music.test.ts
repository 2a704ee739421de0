import { expect } from 'chai';
import { analyzeFile, resolveFfmpeg } from '../../src/audio/index.js';
import { fretsOnFireSongs } from '../support/fretsonfire.js';

describe('audio: tempo of real music against the charts of Debian\'s Frets on Fire songs', function () {
  this.timeout(180_000);

  it('gets the chart tempo within 4 % on most songs, and every song at most an octave off', async () => {
    const paths = resolveFfmpeg();
    const songs = fretsOnFireSongs();
    const exact: string[] = []; const octave: string[] = []; const wrong: string[] = [];
    for (const song of songs) {
      const d = await analyzeFile(song.audio, paths);
      const within = (factor: number) => Math.abs(d.tempo_bpm! / (song.chart_bpm * factor) - 1) <= 0.04;
      const line = `${song.name}: chart ${song.chart_bpm.toFixed(1)}, ours ${d.tempo_bpm}`;
      if (within(1)) exact.push(line); else if (within(2) || within(0.5)) octave.push(line); else wrong.push(line);
    }
    // Measured: 6 of 8 exact; internal_degeneration at half and Feelings at double tempo (see README).
    expect(wrong, `not even an octave off:\n${wrong.join('\n')}`).to.deep.equal([]);
    expect(exact.length, `exact:\n${exact.join('\n')}\noctave errors:\n${octave.join('\n')}`).to.be.at.least(Math.ceil(songs.length * 0.75));
  });
});
