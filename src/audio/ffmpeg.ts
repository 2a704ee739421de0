import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { VibescopeError } from '../errors.js';

/**
 * The ONE module that runs ffmpeg (fluent-ffmpeg was archived in 2025; its author advises spawning
 * directly). Fixed argument lists, no shell, low CPU priority. The analysis needs ffmpeg only
 * ({@link decodeWithInfo}); ffprobe serves {@link probe}, kept for tools and as the tests' reference.
 */

/** Why a file could not be analysed; recorded with the file and not retried until it changes. */
export type DecodeFailure = 'zero-byte' | 'not-audio' | 'unsupported' | 'truncated' | 'corrupt' | 'missing';

/** A file that could not be probed or decoded. `stderr` is the tail of ffmpeg's own message. */
export class AudioDecodeError extends VibescopeError {
  readonly file: string;
  readonly reason: DecodeFailure;
  readonly stderr: string;
  constructor(file: string, reason: DecodeFailure, message: string, stderr = '') {
    super('AUDIO_DECODE_FAILED', `${file}: ${reason}: ${message}`, 422);
    this.file = file; this.reason = reason; this.stderr = stderr;
  }
}

/** Where the binaries are (`ffprobe` may not exist: only {@link probe} needs it). */
export interface FfmpegPaths { ffmpeg: string; ffprobe: string }

/**
 * FFMPEG_PATH (and FFPROBE_PATH, else the ffprobe next to it), else ffmpeg-static if installed
 * (optional dependency), else ffmpeg on PATH: the first whose ffmpeg runs.
 * @throws VibescopeError AUDIO_TOOL_MISSING when no ffmpeg runs.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegPaths {
  const candidates: FfmpegPaths[] = [];
  if (env.FFMPEG_PATH) candidates.push({ ffmpeg: env.FFMPEG_PATH, ffprobe: env.FFPROBE_PATH ?? env.FFMPEG_PATH.replace(/ffmpeg(\.exe)?$/, 'ffprobe$1') });
  try {
    const staticPath = createRequire(import.meta.url)('ffmpeg-static') as string | null;
    if (staticPath) candidates.push({ ffmpeg: staticPath, ffprobe: env.FFPROBE_PATH ?? 'ffprobe' });
  } catch { /* ffmpeg-static is optional: not installed here */ }
  candidates.push({ ffmpeg: 'ffmpeg', ffprobe: env.FFPROBE_PATH ?? 'ffprobe' });
  for (const c of candidates) {
    if (spawnSync(c.ffmpeg, ['-hide_banner', '-version'], { stdio: 'ignore', env }).status === 0) return c;
  }
  throw new VibescopeError('AUDIO_TOOL_MISSING', 'ffmpeg not found: install ffmpeg (Debian/Alpine package "ffmpeg") or set FFMPEG_PATH');
}

/** What a file is: what ffprobe says ({@link probe}), or ffmpeg's input dump ({@link parseInputDump}). Durations in s, rates in Hz. */
export interface ProbeResult {
  duration_s: number;
  format: string;
  codec: string;
  sample_rate_hz: number;
  channels: number;
  tags: { artist: string | null; title: string | null; album: string | null; isrc: string | null };
}

function lowPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try { setPriority(pid, 10); } catch { /* the process may already have exited */ }
}

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    lowPriority(child.pid);
    const out: Buffer[] = []; let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => { err = (err + String(c)).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

const tail = (text: string) => text.trim().split('\n').slice(-3).join(' | ');

/** Tags ffprobe reports under many spellings (ID3, Vorbis comments, MP4 atoms). */
function tag(tags: Record<string, string>, ...names: string[]): string | null {
  const lower = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  for (const n of names) if (lower[n]?.trim()) return lower[n]!.trim();
  return null;
}

/**
 * Probes a file with `ffprobe -print_format json`.
 * @throws AudioDecodeError zero-byte, not-audio (no audio stream / not a media file), missing.
 */
export async function probe(file: string, paths: FfmpegPaths): Promise<ProbeResult> {
  let size: number;
  try { size = (await stat(file)).size; } catch { throw new AudioDecodeError(file, 'missing', 'no such file'); }
  if (size === 0) throw new AudioDecodeError(file, 'zero-byte', 'the file is empty');
  const res = await run(paths.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'a:0', file]);
  let data: { format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
    streams?: { codec_name?: string; sample_rate?: string; channels?: number; duration?: string; tags?: Record<string, string> }[] };
  try { data = JSON.parse(res.stdout.toString('utf8') || '{}'); } catch { data = {}; }
  if (res.code !== 0 || !data.format) throw new AudioDecodeError(file, 'not-audio', 'ffprobe cannot read it', tail(res.stderr));
  const stream = data.streams?.[0];
  if (!stream) throw new AudioDecodeError(file, 'not-audio', 'no audio stream');
  const tags = { ...(stream.tags ?? {}), ...(data.format.tags ?? {}) };
  const duration = Number(data.format.duration ?? stream.duration ?? NaN);
  return {
    duration_s: Number.isFinite(duration) ? duration : NaN,
    format: data.format.format_name ?? 'unknown', codec: stream.codec_name ?? 'unknown',
    sample_rate_hz: Number(stream.sample_rate ?? 0), channels: stream.channels ?? 0,
    tags: { artist: tag(tags, 'artist', 'album_artist', 'albumartist'), title: tag(tags, 'title'), album: tag(tags, 'album'),
      isrc: tag(tags, 'isrc', 'tsrc') },
  };
}

/** Analysis rate: mono 22 050 Hz float (research/audio-features.md). */
export const ANALYSIS_RATE_HZ = 22_050;

/**
 * Turns a byte stream of little-endian samples into aligned typed-array chunks of `Kind` (Float32Array
 * for f32le, Int16Array for s16le): a sample may straddle two reads. The chunk is a view when the
 * Buffer is aligned, else an aligned copy, valid during the call only. Counts the samples read.
 */
function sampleReader<T extends Float32Array | Int16Array>(Kind: { new(length: number): T; new(buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
  onSamples: (chunk: T) => void) {
  const size = Kind.BYTES_PER_ELEMENT;
  let carry: Buffer | null = null;
  let count = 0;
  return {
    read(chunk: Buffer): void {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      const usable = buf.length - (buf.length % size);
      carry = usable < buf.length ? Buffer.from(buf.subarray(usable)) : null;
      if (usable === 0) return;
      let out: T;
      if (buf.byteOffset % size === 0) out = new Kind(buf.buffer, buf.byteOffset, usable / size);
      else { out = new Kind(usable / size); new Uint8Array(out.buffer).set(buf.subarray(0, usable)); }
      count += out.length;
      onSamples(out);
    },
    get samples() { return count; },
  };
}

/*
 * The native stream is s16le written with {@link NATIVE_HEADROOM} and handed on unconverted (the
 * loudness meter scales its block sums instead of every sample: measured 15 % of a job's CPU for the
 * conversion pass). 16-bit halves what ffmpeg writes and node reads (measured −30 ms CPU per audio
 * minute); the headroom keeps overs of lossy decodes up to +6 dBFS unclipped, and the quantisation
 * floor (−92 dBFS) is far under the −70 LUFS gate.
 */

/** Gain applied before the native stream is written as 16-bit (6 dB of headroom), undone on reading. */
const NATIVE_HEADROOM = 0.5;

/** One unit of a native-stream sample at full scale (1.0): 1 / (32 768 × {@link NATIVE_HEADROOM}). */
export const NATIVE_SAMPLE_SCALE = 1 / (32768 * NATIVE_HEADROOM);

/*
 * One ffmpeg run instead of ffprobe + ffmpeg: each start of Debian's ffmpeg or ffprobe costs about
 * 0.1 s of CPU (they link some 200 shared libraries), as much as decoding 40 s of music. The facts
 * ffprobe gave are in ffmpeg's own input dump (`-v info`: "Input #0, <format>, from …", "Duration:",
 * "Stream #0:N: Audio: <codec>, <rate> Hz, …", and "Metadata:" blocks of `key : value` lines; the
 * layout of libavformat's av_dump_format), and the native stream is written as WAV, whose header
 * gives its exact rate and channel count before the first sample.
 */

/**
 * The most of ffmpeg's stderr kept for the input dump, which comes first and ends at "Stream mapping:"
 * (an audiobook's chapters or a rip log in the tags can take far more than a screenful).
 */
const DUMP_MAX_CHARS = 8_000_000;

/**
 * Parses ffmpeg's input dump (av_dump_format, printed at `-v info`) into the facts {@link probe}
 * gives: the container's format names, the duration, the first audio stream's codec and rate, and
 * the tags of the container and of that stream (the container's win, as in {@link probe}).
 * `channels` is 0 here: the WAV header of the native stream gives it. Null when there is no
 * "Input #0" (the file could not be opened as media) or no audio stream. The dump shows each tag as
 * av_dump_format prints it: a value line of at most 255 bytes, carriage returns as spaces and other
 * control characters as "?" (ffprobe's JSON gives them unchanged); what the library matches on
 * (artist, title, album, ISRC) is far shorter.
 */
export function parseInputDump(stderr: string): ProbeResult | null {
  const lines = stderr.split(/\r?\n/);
  const start = lines.findIndex((l) => /^Input #0, /.test(l));
  if (start < 0) return null;
  const format = /^Input #0, (.+?), from '/.exec(lines[start]!)?.[1] ?? 'unknown';
  let duration = NaN; let codec: string | null = null; let rate = 0;
  const formatTags: Record<string, string> = {}; const streamTags: Record<string, string> = {};
  // Where the lines of a "Metadata:" block go: the container's, the first audio stream's, or nowhere.
  let into: Record<string, string> | null = null; let blockIndent = 0; let section: 'format' | 'audio' | 'other' = 'format';
  let lastKey: string | null = null;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('[')) continue;                             // a log line of a decoder or demuxer, not the dump
    if (/^\S/.test(line)) break;                                   // "Stream mapping:", "Output #0": the dump is over
    const indent = line.length - line.trimStart().length;
    if (into && indent >= blockIndent) {
      const m = /^\s*(.*?)\s*: (.*)$/.exec(line) ?? /^\s*(.*?)\s*:$/.exec(line);
      if (m) {
        const key = m[1]!; const value = m[2] ?? '';
        if (key === '' && lastKey) into[lastKey] = `${into[lastKey]}\n${value}`;   // a continuation line of a multi-line value
        else if (key !== '') { into[key] = value; lastKey = key; }
      }
      continue;
    }
    into = null; lastKey = null;
    const trimmed = line.trim();
    if (trimmed === 'Metadata:') {
      // Another stream's or a chapter's tags are read into an object that is dropped.
      into = section === 'format' ? formatTags : section === 'audio' ? streamTags : {};
      blockIndent = indent + 2;
      continue;
    }
    const d = /^Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(trimmed);
    if (d) { duration = Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 100) / 100; continue; }
    if (/^Duration: N\/A/.test(trimmed)) continue;
    const st = /^Stream #0:\d+\S*: (\w+): (.*)$/.exec(trimmed);
    if (st) {
      if (st[1] === 'Audio' && codec === null) {
        section = 'audio';
        codec = /^([^\s,(]+)/.exec(st[2]!)?.[1] ?? 'unknown';
        rate = Number(/, (\d+) Hz/.exec(st[2]!)?.[1] ?? 0);
      } else section = 'other';
      continue;
    }
    if (/^(Chapters?:|Chapter #|Program )/.test(trimmed)) section = 'other';
  }
  if (codec === null) return null;
  const tags = { ...streamTags, ...formatTags };
  return {
    duration_s: duration, format, codec, sample_rate_hz: rate, channels: 0,
    tags: { artist: tag(tags, 'artist', 'album_artist', 'albumartist'), title: tag(tags, 'title'), album: tag(tags, 'album'), isrc: tag(tags, 'isrc', 'tsrc') },
  };
}

/** The format of a 16-bit PCM WAV stream, from its RIFF header. */
interface WavFormat { sampleRateHz: number; channels: number }

/**
 * Reads a WAV byte stream as ffmpeg's wav muxer writes it to a pipe (RIFF/WAVE, a `fmt ` chunk —
 * PCM or WAVE_FORMAT_EXTENSIBLE, 16 bits — other chunks such as LIST skipped, then `data` with an
 * unknown size): calls `onFormat` once the header is read, then hands the sample bytes on.
 * @throws Error when the header is not 16-bit PCM WAV.
 */
function wavReader(onFormat: (format: WavFormat) => void, onData: (chunk: Buffer) => void) {
  // The header is some 80 bytes (ffmpeg is told to write no LIST chunk of tags); more means a stream that is not ours.
  const MAX_HEADER_BYTES = 1 << 20;
  let head: Buffer | null = Buffer.alloc(0);
  let format: WavFormat | null = null;
  return (chunk: Buffer): void => {
    if (head === null) { onData(chunk); return; }
    head = Buffer.concat([head, chunk]);
    if (head.length > MAX_HEADER_BYTES) throw new Error('no WAV data chunk in the first MB of the native stream');
    if (head.length < 12) return;
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') throw new Error('the native stream is not WAV');
    let at = 12;
    while (at + 8 <= head.length) {
      const id = head.toString('latin1', at, at + 4); const size = head.readUInt32LE(at + 4);
      if (id === 'data') {
        if (!format) throw new Error('WAV data before its fmt chunk');
        const rest = head.subarray(at + 8);
        head = null;
        onFormat(format);
        if (rest.length > 0) onData(rest);
        return;
      }
      if (size === 0xffffffff) throw new Error(`WAV chunk "${id}" of unknown size before the data`);
      if (at + 8 + size > head.length) return;                     // the chunk is not all here yet
      if (id === 'fmt ') {
        const tagId = head.readUInt16LE(at + 8); const bits = head.readUInt16LE(at + 22);
        if ((tagId !== 1 && tagId !== 0xfffe) || bits !== 16) throw new Error(`WAV format ${tagId} with ${bits} bits, not 16-bit PCM`);
        format = { channels: head.readUInt16LE(at + 10), sampleRateHz: head.readUInt32LE(at + 12) };
      }
      at += 8 + size + (size % 2);
    }
  };
}

/** What {@link decodeWithInfo} learnt about the file, and what it decoded. */
export interface DecodeResult {
  /** Mono samples decoded, and their duration (s). */
  samples: number;
  duration_s: number;
  /** The facts {@link probe} would give, from the same run (channels and rate of the native stream from its WAV header). */
  info: ProbeResult;
}

/**
 * Decodes a file in ONE ffmpeg run that also says what the file is (no ffprobe): mono f32le PCM at
 * {@link ANALYSIS_RATE_HZ} to `onSamples` (pipe 1), and the audio in its own rate and channel count
 * as 16-bit WAV (with {@link NATIVE_HEADROOM}) to pipe 3: `onNative.start` gets its format once,
 * `onNative.samples` the interleaved samples (× {@link NATIVE_SAMPLE_SCALE} = full scale). Chunks
 * may be views, valid during the call only. Duration, tags, format and codec come from ffmpeg's
 * input dump ({@link parseInputDump}).
 * @throws AudioDecodeError missing, zero-byte, not-audio (not media, or no audio stream), corrupt /
 *   unsupported (ffmpeg failed), truncated (decoded < 90 % and more than 1 s short of the duration
 *   the container states).
 */
export async function decodeWithInfo(file: string, paths: FfmpegPaths, onSamples: (chunk: Float32Array) => void,
  onNative: { start: (format: { sampleRateHz: number; channels: number }) => void; samples: (chunk: Int16Array) => void }): Promise<DecodeResult> {
  let size: number;
  try { size = (await stat(file)).size; } catch { throw new AudioDecodeError(file, 'missing', 'no such file'); }
  if (size === 0) throw new AudioDecodeError(file, 'zero-byte', 'the file is empty');
  return new Promise((resolve, reject) => {
    // -flush_packets 0: ffmpeg fills its 32 KB output buffer before writing, instead of one small
    // write per decoded packet (measured: 17 000 pipe reads of 2–11 KB per song → 3 700 of 32 KB,
    // half the CPU node spends receiving).
    const args = ['-hide_banner', '-nostats', '-v', 'info', '-nostdin', '-i', file,
      '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(ANALYSIS_RATE_HZ), '-f', 'f32le', '-flush_packets', '0', 'pipe:1',
      // No tags and no encoder name in the WAV header (-map_metadata -1, bitexact): a LIST chunk longer
      // than ffmpeg's 32 KB pipe buffer would be written with an unknown size.
      '-map', '0:a:0', '-vn', '-af', `volume=${NATIVE_HEADROOM}`, '-c:a', 'pcm_s16le', '-map_metadata', '-1', '-fflags', '+bitexact',
      '-f', 'wav', '-flush_packets', '0', 'pipe:3'];
    const child = spawn(paths.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    lowPriority(child.pid);
    const log = stderrLog();
    let nativeFormat: WavFormat | null = null; let failure: Error | null = null;
    const mono = sampleReader(Float32Array, onSamples);
    const native = sampleReader(Int16Array, onNative.samples);
    const wav = wavReader((f) => { nativeFormat = f; onNative.start(f); }, (c) => native.read(c));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => log.add(c));
    child.stdout!.on('data', (chunk: Buffer) => mono.read(chunk));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      if (failure) return;
      try { wav(chunk); } catch (err) { failure = err as Error; child.kill(); }
    });
    child.on('error', (err) => reject(new AudioDecodeError(file, 'unsupported', `cannot run ffmpeg: ${err.message}`)));
    child.on('close', (code) => {
      const samples = mono.samples;
      const duration = samples / ANALYSIS_RATE_HZ;
      const opened = /^Input #0, /m.test(log.dump);
      const info = parseInputDump(log.dump);
      const errors = log.errors();
      if (failure) { reject(new AudioDecodeError(file, 'unsupported', (failure as Error).message, tail(errors))); return; }
      if (code !== 0) {
        // As ffprobe would say: not openable as media, or no audio stream in it → not-audio.
        if (!opened) { reject(new AudioDecodeError(file, 'not-audio', 'ffmpeg cannot read it', tail(errors))); return; }
        if (!info || /matches no streams|does not contain any stream/.test(errors)) {
          reject(new AudioDecodeError(file, 'not-audio', 'no audio stream', tail(errors)));
          return;
        }
        const reason: DecodeFailure = /Invalid data|could not find codec|Decoder .* not found|not supported/i.test(errors) ? 'unsupported' : 'corrupt';
        reject(new AudioDecodeError(file, samples > 0 ? 'corrupt' : reason, `ffmpeg exited with ${code}`, tail(errors)));
        return;
      }
      if (samples === 0) { reject(new AudioDecodeError(file, 'not-audio', 'no audio decoded', tail(errors))); return; }
      const fmt = nativeFormat as WavFormat | null;
      if (!fmt) { reject(new AudioDecodeError(file, 'unsupported', 'ffmpeg wrote no header for the full-rate stream', tail(errors))); return; }
      // A dump we could not read (a newer ffmpeg's layout) loses the tags and the duration check, not the analysis.
      const known: ProbeResult = info ?? { duration_s: NaN, format: 'unknown', codec: 'unknown', sample_rate_hz: 0, channels: 0,
        tags: { artist: null, title: null, album: null, isrc: null } };
      const expected = known.duration_s;
      if (Number.isFinite(expected) && duration < expected * 0.9 && expected - duration > 1) {
        reject(new AudioDecodeError(file, 'truncated', `decoded ${duration.toFixed(1)} s of ${expected.toFixed(1)} s`, tail(errors)));
        return;
      }
      resolve({ samples, duration_s: duration, info: { ...known, channels: fmt.channels, sample_rate_hz: fmt.sampleRateHz } });
    });
  });
}

/**
 * ffmpeg's stderr at `-v info`, split in two: the input dump (kept whole up to {@link DUMP_MAX_CHARS},
 * until "Stream mapping:" ends it), and the last 4 000 characters of everything else that is not the
 * dumps or the closing statistics: the warnings and errors, which name what went wrong.
 */
function stderrLog() {
  let dump = ''; let dumpDone = false;
  let pending = ''; let errorText = '';
  const isChatter = (line: string) => line === '' || /^\s/.test(line) || /^(Input #|Output #|Stream mapping:|Press \[q\]|size=|video:\d)/.test(line);
  return {
    add(text: string): void {
      if (!dumpDone) {
        dump += text;
        const end = dump.indexOf('\nStream mapping:');
        if (end >= 0) { dump = dump.slice(0, end + 1); dumpDone = true; } else if (dump.length > DUMP_MAX_CHARS) { dump = dump.slice(0, DUMP_MAX_CHARS); dumpDone = true; }
      }
      const lines = (pending + text).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (!isChatter(line)) errorText = `${errorText}${line}\n`.slice(-4000);
    },
    get dump(): string { return dump; },
    errors(): string { return isChatter(pending) ? errorText : `${errorText}${pending}`.slice(-4000); },
  };
}
