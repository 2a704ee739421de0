import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { VibescopeError } from '../errors.js';

/**
 * The ONE module that runs ffmpeg and ffprobe (fluent-ffmpeg was archived in 2025; its author advises
 * spawning directly). Fixed argument lists, no shell, low CPU priority.
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

/** Where the binaries are. */
export interface FfmpegPaths { ffmpeg: string; ffprobe: string }

/**
 * FFMPEG_PATH (and FFPROBE_PATH, else the ffprobe next to it), else ffmpeg-static if installed
 * (optional dependency), else ffmpeg/ffprobe on PATH.
 * @throws VibescopeError AUDIO_TOOL_MISSING when none runs.
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
    const a = spawnSync(c.ffmpeg, ['-hide_banner', '-version'], { stdio: 'ignore' });
    const b = spawnSync(c.ffprobe, ['-hide_banner', '-version'], { stdio: 'ignore' });
    if (a.status === 0 && b.status === 0) return c;
  }
  throw new VibescopeError('AUDIO_TOOL_MISSING', 'ffmpeg and ffprobe not found: install ffmpeg (Debian/Alpine package "ffmpeg") or set FFMPEG_PATH');
}

/** What ffprobe says about a file. Durations in s, rates in Hz. */
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
 * A second decoded stream of the same run, at its own rate and channel count: `onSamples` gets
 * interleaved 16-bit samples as ffmpeg wrote them (with 6 dB headroom: × {@link NATIVE_SAMPLE_SCALE}
 * is full scale 1.0); the chunk may be a view, valid only during the call.
 */
export interface NativeOutput { sampleRateHz: number; channels: number; onSamples: (chunk: Int16Array) => void }

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

/**
 * Decodes a file to mono f32le PCM at `sampleRateHz`, streamed through a pipe: `onSamples` gets
 * each chunk (never the whole track in memory; the chunk may be a view, valid only during the call). With `native`, the same ffmpeg run also writes the
 * audio at `native.sampleRateHz` with `native.channels` channels (the file's own format, for
 * loudness) to a second pipe (fd 3): one decode, two outputs. ffmpeg can exit 0 after decoding part
 * of a cut file, so the decoded duration is checked against `expectedDurationS` (from {@link probe}).
 * @returns the number of mono samples decoded and their duration (s).
 * @throws AudioDecodeError corrupt / unsupported (ffmpeg failed), truncated (decoded < 90 % and
 *   more than 1 s short of the probed duration).
 */
export function decode(file: string, paths: FfmpegPaths, onSamples: (chunk: Float32Array) => void,
  { sampleRateHz = ANALYSIS_RATE_HZ, expectedDurationS, native }: { sampleRateHz?: number; expectedDurationS?: number; native?: NativeOutput } = {}): Promise<{ samples: number; duration_s: number }> {
  return new Promise((resolve, reject) => {
    // -flush_packets 0: ffmpeg fills its 32 KB output buffer before writing, instead of one small
    // write per decoded packet (measured: 17 000 pipe reads of 2–11 KB per song → 3 700 of 32 KB,
    // half the CPU node spends receiving).
    const args = ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(sampleRateHz), '-f', 'f32le', '-flush_packets', '0', 'pipe:1'];
    if (native) args.push('-map', '0:a:0', '-vn', '-af', `volume=${NATIVE_HEADROOM}`, '-ac', String(native.channels), '-ar', String(native.sampleRateHz),
      '-f', 's16le', '-flush_packets', '0', 'pipe:3');
    const child = spawn(paths.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe', ...(native ? ['pipe' as const] : [])] });
    lowPriority(child.pid);
    let stderr = '';
    const mono = sampleReader(Float32Array, onSamples);
    child.stderr!.on('data', (c) => { stderr = (stderr + String(c)).slice(-4000); });
    child.stdout!.on('data', (chunk: Buffer) => mono.read(chunk));
    if (native) {
      const second = sampleReader(Int16Array, native.onSamples);
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => second.read(chunk));
    }
    child.on('error', (err) => reject(new AudioDecodeError(file, 'unsupported', `cannot run ffmpeg: ${err.message}`)));
    child.on('close', (code) => {
      const samples = mono.samples;
      const duration = samples / sampleRateHz;
      if (code !== 0) {
        const reason: DecodeFailure = /Invalid data|could not find codec|Decoder .* not found|not supported/i.test(stderr) ? 'unsupported' : 'corrupt';
        reject(new AudioDecodeError(file, samples > 0 ? 'corrupt' : reason, `ffmpeg exited with ${code}`, tail(stderr)));
        return;
      }
      if (samples === 0) { reject(new AudioDecodeError(file, 'not-audio', 'no audio decoded', tail(stderr))); return; }
      if (expectedDurationS !== undefined && Number.isFinite(expectedDurationS) && duration < expectedDurationS * 0.9 && expectedDurationS - duration > 1) {
        reject(new AudioDecodeError(file, 'truncated', `decoded ${duration.toFixed(1)} s of ${expectedDurationS.toFixed(1)} s`, tail(stderr)));
        return;
      }
      resolve({ samples, duration_s: duration });
    });
  });
}
