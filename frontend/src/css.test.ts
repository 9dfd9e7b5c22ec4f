import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The bundler forgives a stylesheet with a missing brace and silently drops everything after
// it (a merge once left one in console.css, and every section below it lost its styles). So
// the stylesheets are checked here: braces balance rule by rule, and no merge marker is left.

function cssFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return cssFiles(path);
    return name.endsWith('.css') ? [path] : [];
  });
}

/** The line of the first brace that does not balance, or null. */
function unbalanced(css: string): number | null {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  let depth = 0;
  let line = 1;
  let openedAt: number[] = [];
  for (const ch of text) {
    if (ch === '\n') line += 1;
    if (ch === '{') {
      depth += 1;
      openedAt.push(line);
      // Only @media/@supports nest; a plain rule opening inside another plain rule is the
      // symptom of a missing "}".
      if (depth > 2) return line;
    }
    if (ch === '}') {
      depth -= 1;
      openedAt = openedAt.slice(0, -1);
      if (depth < 0) return line;
    }
  }
  return depth === 0 ? null : (openedAt[0] ?? line);
}

describe('stylesheets', () => {
  const files = cssFiles(join(__dirname));
  it('are found', () => {
    expect(files.length).toBeGreaterThan(1);
  });
  for (const file of files) {
    it(`${file.slice(file.indexOf('src'))} is well formed`, () => {
      const css = readFileSync(file, 'utf8');
      expect(/^(<<<<<<<|=======|>>>>>>>)/m.test(css), 'a merge marker').toBe(false);
      expect(unbalanced(css), 'the line of an unbalanced brace').toBeNull();
    });
  }
});
