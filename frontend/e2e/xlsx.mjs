// Reads back an .xlsx the server wrote, with node alone (zip central directory + zlib +
// a few regular expressions), so the e2e can check an export's cells without a spreadsheet
// dependency. Enough for the server's files: one worksheet, inline or shared strings, numbers.
// Not a general XLSX reader.

import { inflateRawSync } from 'node:zlib';

/** The files of a zip archive: name → bytes. */
export function unzip(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('broken central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // The local header's own name and extra lengths say where the data starts.
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : method === 0 ? Buffer.from(data) : null);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const unescapeXml = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');

function columnIndex(ref) {
  const letters = /^[A-Z]+/.exec(ref)?.[0] ?? 'A';
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * The first worksheet's rows as arrays (by column; empty cells are ''), text as strings and
 * numbers as numbers; `sheetName` is the workbook's name for it.
 */
export function readXlsx(buf) {
  const files = unzip(Buffer.from(buf));
  const shared = [];
  const sst = files.get('xl/sharedStrings.xml');
  if (sst) {
    for (const m of sst.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)) {
      shared.push([...m[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => unescapeXml(t[1])).join(''));
    }
  }
  const workbook = files.get('xl/workbook.xml')?.toString('utf8') ?? '';
  const sheetName = unescapeXml(/<sheet [^>]*name="([^"]*)"/.exec(workbook)?.[1] ?? '');
  const sheet = files.get('xl/worksheets/sheet1.xml');
  if (!sheet) throw new Error(`no first worksheet; parts: ${[...files.keys()].join(', ')}`);
  const rows = [];
  for (const row of sheet.toString('utf8').matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = [];
    for (const c of row[1].matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1];
      const inner = c[2] ?? '';
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs)?.[1] ?? '';
      const type = /\bt="([^"]+)"/.exec(attrs)?.[1] ?? 'n';
      let value = '';
      if (type === 'inlineStr') value = unescapeXml(/<t[^>]*>([\s\S]*?)<\/t>/.exec(inner)?.[1] ?? '');
      else if (type === 's') value = shared[Number(/<v>([^<]*)<\/v>/.exec(inner)?.[1])] ?? '';
      else if (type === 'str') value = unescapeXml(/<v>([\s\S]*?)<\/v>/.exec(inner)?.[1] ?? '');
      else {
        const v = /<v>([^<]*)<\/v>/.exec(inner)?.[1];
        value = v === undefined ? '' : Number(v);
      }
      const at = ref ? columnIndex(ref) : cells.length;
      while (cells.length < at) cells.push('');
      cells[at] = value;
    }
    rows.push(cells);
  }
  return { sheetName, rows };
}

/** An Excel date-time serial (days since 1899-12-30) as "dd/mm/yyyy HH:MM" of its wall clock. */
export function serialToText(serial) {
  const ms = Math.round((serial - 25569) * 86400 * 1000);
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
