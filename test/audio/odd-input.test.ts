import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { analyzeFile, probe, resolveFfmpeg, AudioDecodeError, type FfmpegPaths } from '../../src/audio/index.js';
import { HYPERROGUE_MUSIC, UNREADABLE_OGG } from '../support/debian-music.js';
import { tempDir } from '../support/helpers.js';

/** ffmpeg's EBU R128 integrated loudness of the file's own audio stream. */
function ebur128(paths: FfmpegPaths, file: string): number {
  const res = spawnSync(paths.ffmpeg, ['-nostats', '-v', 'info', '-nostdin', '-i', file, '-map', '0:a:0', '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
  const m = /Integrated loudness:\s*I:\s*(-?[\d.]+) LUFS/.exec(res.stderr);
  if (!m) throw new Error(`no ebur128 summary: ${res.stderr.slice(-300)}`);
  return Number(m[1]);
}

describe('audio: odd and bad input decoded by real ffmpeg', function () {
  this.timeout(300_000);
  let paths: FfmpegPaths;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { paths = resolveFfmpeg(); tmp = await tempDir('vibescope-odd-'); });
  after(async () => { await tmp.remove(); });
  const make = (name: string, args: string[]) => {
    const file = path.join(tmp.dir, name);
    const res = spawnSync(paths.ffmpeg, ['-v', 'error', '-y', ...args, file], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`ffmpeg could not make ${name}: ${res.stderr}`);
    return file;
  };
  /** A music-like test signal: an A minor triad with clicks on a 100 BPM grid, stereo with independent noise per channel. */
  const music = (seconds: number, rate = 44100) => ['-f', 'lavfi', '-i',
    `aevalsrc=exprs=0.1*sin(2*PI*220*t)+0.08*sin(2*PI*261.63*t)+0.08*sin(2*PI*329.63*t)+0.5*sin(2*PI*1000*t)*exp(-mod(t\\,0.6)*60)+0.02*(random(0)-0.5)|`
      + `0.1*sin(2*PI*220*t)+0.08*sin(2*PI*261.63*t)+0.08*sin(2*PI*329.63*t)+0.5*sin(2*PI*1000*t)*exp(-mod(t\\,0.6)*60)+0.02*(random(1)-0.5):s=${rate}:d=${seconds}`];

  it('gives nulls for digital silence, not a guess', async () => {
    const d = await analyzeFile(make('silence.flac', ['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '8']), paths);
    expect(d.duration_s).to.be.closeTo(8, 0.05);
    for (const k of ['loudness_lufs', 'tempo_bpm', 'key', 'spectral_centroid_hz', 'rms_dbfs', 'dynamic_range_db'] as const) expect(d[k], k).to.equal(null);
  });

  it('measures loudness, key and shape of a 5-second clip but gives no tempo (under 6 s)', async () => {
    const d = await analyzeFile(make('clip.ogg', [...music(5), '-c:a', 'libvorbis']), paths);
    expect(d.duration_s).to.be.closeTo(5, 0.05);
    expect(d.tempo_bpm).to.equal(null);
    expect(d.beats_s).to.equal(null);
    expect(`${d.key} ${d.mode}`).to.equal('A minor');
    expect(d.loudness_lufs).to.be.a('number');
  });

  it('finds tempo and key of the same music at 60 s, and its beats on the clicks', async () => {
    const d = await analyzeFile(make('minute.flac', music(60)), paths);
    expect(d.tempo_bpm).to.be.closeTo(100, 1);
    expect(`${d.key} ${d.mode}`).to.equal('A minor');
    const offGrid = d.beats_s!.map((t) => Math.abs(t / 0.6 - Math.round(t / 0.6)) * 0.6);
    expect(Math.max(...offGrid.slice(2)), 'beats within 15 ms of a click').to.be.below(0.015);
  });

  it('analyses a mono file on its one channel (loudness within 0.5 LU of ffmpeg ebur128)', async () => {
    const file = make('mono.flac', [...music(12), '-ac', '1']);
    expect((await probe(file, paths)).channels).to.equal(1);
    const d = await analyzeFile(file, paths);
    expect(Math.abs(d.loudness_lufs! - ebur128(paths, file))).to.be.at.most(0.5);
  });

  it('analyses a 96 kHz / 24-bit FLAC like the 44.1 kHz original (centroid within 1 %, loudness within 0.5 LU of ebur128)', async () => {
    const base = make('base.flac', music(12));
    const hi = make('hi.flac', ['-i', base, '-ar', '96000', '-sample_fmt', 's32', '-bits_per_raw_sample', '24']);
    const p = await probe(hi, paths);
    expect(p.sample_rate_hz).to.equal(96000);
    const [a, b] = [await analyzeFile(base, paths), await analyzeFile(hi, paths)];
    expect(Math.abs(b.spectral_centroid_hz! / a.spectral_centroid_hz! - 1)).to.be.below(0.01);
    expect(Math.abs(b.loudness_lufs! - ebur128(paths, hi))).to.be.at.most(0.5);
    expect(b.tempo_bpm).to.be.closeTo(a.tempo_bpm!, 0.5);
  });

  it('ignores a cover-art video stream: same descriptors as the file without it', async () => {
    const plain = make('plain.mp3', [...music(12), '-c:a', 'libmp3lame', '-b:a', '192k']);
    const cover = make('cover.png', ['-f', 'lavfi', '-i', 'color=c=red:s=300x300:d=1', '-frames:v', '1']);
    const withArt = make('with-art.mp3', ['-i', plain, '-i', cover, '-map', '0:a', '-map', '1:v', '-c:a', 'copy', '-c:v', 'png', '-disposition:v', 'attached_pic']);
    const streams = spawnSync(paths.ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', withArt], { encoding: 'utf8' }).stdout;
    expect(streams.trim().split('\n').sort()).to.deep.equal(['audio', 'video']);
    const [a, b] = [await analyzeFile(plain, paths), await analyzeFile(withArt, paths)];
    const { path: _a, ...ra } = a; const { path: _b, ...rb } = b;
    expect(rb).to.deep.equal(ra);
  });

  it('measures decorrelated stereo and 5.1 like ebur128 (the channel powers summed, not a mono downmix)', async () => {
    const stereo = make('wide.flac', ['-f', 'lavfi', '-i', 'anoisesrc=seed=1:a=0.2:d=12', '-f', 'lavfi', '-i', 'anoisesrc=seed=2:a=0.2:d=12',
      '-filter_complex', '[0][1]amerge=inputs=2,aformat=channel_layouts=stereo']);
    const sources = [1, 2, 3, 4, 5, 6].flatMap((s) => ['-f', 'lavfi', '-i', `anoisesrc=seed=${s}:a=0.1:d=12`]);
    const surround = make('surround.flac', [...sources, '-filter_complex', '[0][1][2][3][4][5]amerge=inputs=6,aformat=channel_layouts=5.1']);
    for (const file of [stereo, surround]) {
      const d = await analyzeFile(file, paths);
      const ref = ebur128(paths, file);
      expect(Math.abs(d.loudness_lufs! - ref), `${path.basename(file)}: ${d.loudness_lufs} vs ${ref}`).to.be.at.most(0.5);
    }
  });

  it('reports a real Ogg file that Debian\'s ffmpeg cannot read as not-audio, naming the cause', async () => {
    const file = path.join(HYPERROGUE_MUSIC, UNREADABLE_OGG[0]!);
    try { await analyzeFile(file, paths); expect.fail('expected an AudioDecodeError'); } catch (err) {
      expect(err).to.be.instanceOf(AudioDecodeError);
      expect((err as AudioDecodeError).reason).to.equal('not-audio');
      expect((err as AudioDecodeError).stderr).to.match(/Header processing failed|Invalid data/);
    }
  });

  it('analyses a 60-minute file in bounded memory: peak RSS within 40 MB of a 2-minute file\'s', async () => {
    const clicks = (minutes: number) => ['-f', 'lavfi', '-i', `aevalsrc=exprs=0.5*sin(2*PI*800*t)*exp(-mod(t\\,0.5)*80)+0.1*sin(2*PI*220*t):s=11025:d=${minutes * 60}`, '-c:a', 'pcm_u8'];
    const child = (file: string) => {
      const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'support', 'analyze-child.ts'), file], { encoding: 'utf8', timeout: 140_000 });
      if (res.status !== 0) throw new Error(`analyze-child: ${res.error?.message ?? `exit ${res.status} ${res.signal ?? ''}`}\n${res.stderr}`);
      return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { duration_s: number; tempo_bpm: number; beats: number; peak_rss_mb: number };
    };
    const short = child(make('short.wav', clicks(2)));
    const long = child(make('long.wav', clicks(60)));
    expect(long.duration_s).to.be.closeTo(3600, 1);
    expect(long.tempo_bpm).to.be.closeTo(120, 1);
    expect(long.beats).to.be.closeTo(7200, 72);
    expect(long.peak_rss_mb - short.peak_rss_mb, `2 min: ${short.peak_rss_mb.toFixed(0)} MB, 60 min: ${long.peak_rss_mb.toFixed(0)} MB`).to.be.below(40);
  });
});
