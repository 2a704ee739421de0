#!/usr/bin/env node
// Draws icon.png (128x128) and logo.png (250x100): a waveform on a round badge. PNG written by hand
// (RFC 2083: signature, IHDR, IDAT with zlib-deflated scanlines, IEND). Run: node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 6;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const bars = [0.35, 0.6, 0.9, 0.55, 0.75, 1, 0.7, 0.45, 0.8, 0.5, 0.3];
function wave(x, y, cx, cy, w, h) {
  const i = Math.floor(((x - (cx - w / 2)) / w) * bars.length);
  if (i < 0 || i >= bars.length) return false;
  const within = ((x - (cx - w / 2)) / w) * bars.length - i;
  return within > 0.2 && within < 0.8 && Math.abs(y - cy) < (bars[i] * h) / 2;
}
const green = [30, 215, 96, 255];
const dark = [25, 20, 20, 255];
const clear = [0, 0, 0, 0];
writeFileSync('icon.png', png(128, 128, (x, y) => {
  const d = Math.hypot(x - 63.5, y - 63.5);
  if (d > 62) return clear;
  return wave(x, y, 64, 64, 84, 70) ? dark : green;
}));
writeFileSync('logo.png', png(250, 100, (x, y) => {
  if (Math.hypot(x - 50, y - 50) <= 44) return wave(x, y, 50, 50, 60, 50) ? dark : green;
  return wave(x, y, 170, 50, 140, 60) ? green : clear;
}));
