#!/usr/bin/env node
// Draws the app's PNG icons (the favicon's yellow star on blue) for the web app manifest:
//   node scripts/make-icons.mjs      → public/icons/icon-192.png, icon-512.png, maskable-512.png
// No image library: a 4×4-supersampled rasteriser and a minimal PNG writer (zlib). The PNGs are
// committed; rerun this only when the design changes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const BLUE = [0x0b, 0x5c, 0xad];
const YELLOW = [0xff, 0xd4, 0x00];

/** The favicon's star (viewBox 0 0 32 32). */
const STAR = [
  [16, 6], [18.9, 12.3], [25.8, 13], [20.6, 17.6], [22.1, 24.4],
  [16, 20.9], [9.9, 24.4], [11.4, 17.6], [6.2, 13], [13.1, 12.3],
];

function inside(poly, x, y) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** size px; `starScale` of the 32-unit design; `radius` of the square's corners in units (0: full bleed). */
function draw(size, starScale, radius) {
  const S = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let star = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = ((px + (sx + 0.5) / S) / size) * 32;
          const v = ((py + (sy + 0.5) / S) / size) * 32;
          const cx = Math.min(Math.max(u, radius), 32 - radius);
          const cy = Math.min(Math.max(v, radius), 32 - radius);
          if (radius === 0 || (u - cx) ** 2 + (v - cy) ** 2 <= radius ** 2) bg++;
          // The star, scaled about the centre.
          const su = 16 + (u - 16) / starScale;
          const sv = 16 + (v - 15.5) / starScale;
          if (inside(STAR, su, sv)) star++;
        }
      }
      const n = S * S;
      const a = bg / n;
      const t = star / n;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(BLUE[c] * (1 - t) + YELLOW[c] * t);
      rgba[i + 3] = Math.round(255 * Math.max(a, t));
    }
  }
  return png(size, rgba);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'icon-192.png'), draw(192, 1, 6));
writeFileSync(join(out, 'icon-512.png'), draw(512, 1, 6));
// Maskable: full bleed, the star inside the central safe zone (a circle of 80% of the width).
writeFileSync(join(out, 'maskable-512.png'), draw(512, 0.72, 0));
console.log(`icons written to ${out}`);
