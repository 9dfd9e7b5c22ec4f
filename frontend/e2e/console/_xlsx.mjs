// Reads the first worksheet of an XLSX file the server wrote, as rows of text, with nothing but
// Node's zlib: a zip's central directory lists each part; the sheet is deflated XML whose cells
// are inline strings or numbers (the `sheets` crate writes no shared-string table). Enough to
// check what a download holds; not a general spreadsheet reader.

import { inflateRawSync } from 'node:zlib';

/** The parts of a zip archive, by name. */
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const parts = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    parts.set(name, method === 0 ? raw : inflateRawSync(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return parts;
}

const unescape = (s) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d))).replace(/&amp;/g, '&');

/** Column letters of a cell reference ("AB12") as a 0-based index. */
function column(ref) {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? 'A';
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The first worksheet's rows: each an array of cell texts (numbers as written). */
export function readXlsx(buf) {
  const parts = unzip(Buffer.from(buf));
  const sheetName = [...parts.keys()].filter((k) => /^xl\/worksheets\/sheet\d+\.xml$/.test(k)).sort()[0];
  if (!sheetName) throw new Error(`no worksheet in ${[...parts.keys()].join(', ')}`);
  const xml = parts.get(sheetName).toString('utf8');
  const rows = [];
  for (const [, rowXml] of xml.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const row = [];
    for (const [, attrs, inner] of rowXml.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs)?.[1];
      const idx = ref ? column(ref) : row.length;
      let text = '';
      if (inner) {
        const t = /<t[^>]*>([\s\S]*?)<\/t>/.exec(inner);
        const v = /<v>([\s\S]*?)<\/v>/.exec(inner);
        text = unescape(t ? t[1] : v ? v[1] : '');
      }
      while (row.length < idx) row.push('');
      row[idx] = text;
    }
    rows.push(row);
  }
  return rows;
}
