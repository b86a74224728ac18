#!/usr/bin/env node
// Checks the file conventions no compiler or linter covers (run by `npm run lint:layout`, part of
// `npm test`): every TypeScript file under src/, workers/, e2e/ and bench/ opens with a `//`
// comment saying its role (after any `#!`, `/// <reference>` or `// @vitest-environment` line);
// source file names are kebab-case; files under src/ stay within 400 lines; relative imports name
// the file with its extension (`./x.ts`, as Node, Vite and tsc all resolve it); and no file keeps
// a hand-written "Imports:" header, since .dependency-cruiser.cjs now holds the layer rules.
// Walks the file system, not git: CI runs in a copy of the checkout without .git.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TS_ROOTS = ['src', 'workers', 'e2e', 'bench'];
const TEXT_ROOTS = [...TS_ROOTS, 'models', '.ci', 'docs'];
const SKIP_DIRS = new Set(['node_modules', 'data', 'results', 'dist', '.tmp', '.cache', '__pycache__']);
const TEXT = /\.(ts|tsx|mjs|cjs|js|py|sh|md|html|css)$/;
const MAX_SRC_LINES = 400;

function* walk(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name)) yield* walk(p); }
    else if (e.isFile()) yield p;
  }
}

const problems = [];
const report = (file, msg) => problems.push(`${relative(ROOT, file)}: ${msg}`);

/** The first line that is not a shebang, a triple-slash reference or a vitest pragma. */
function roleLine(lines) {
  return lines.find((l) => !/^(#!|\/\/\/ <reference |\/\/ @vitest-environment )/.test(l)) ?? '';
}

// Specifiers of static imports/exports, `import '…'` and dynamic import('…').
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

for (const root of TS_ROOTS) {
  for (const file of walk(join(ROOT, root))) {
    if (!/\.tsx?$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const first = roleLine(lines);
    if (!/^\/\/ \S/.test(first)) report(file, `must open with a \`// \` comment saying the file's role (found: ${JSON.stringify(first.slice(0, 60))})`);
    const stem = basename(file).split('.')[0];
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(stem)) report(file, 'file name is not kebab-case');
    if (root === 'src' && lines.length - (lines.at(-1) === '' ? 1 : 0) > MAX_SRC_LINES) {
      report(file, `${lines.length - 1} lines; files under src/ stay within ${MAX_SRC_LINES} (split it by responsibility)`);
    }
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const last = spec.split('?')[0].split('/').at(-1);
      if (!/\.[a-z0-9]+$/i.test(last)) report(file, `relative import '${spec}' has no extension (write the file name, e.g. '${spec}.ts')`);
    }
  }
}

for (const root of TEXT_ROOTS) {
  for (const file of walk(join(ROOT, root))) {
    if (!TEXT.test(file) || file === fileURLToPath(import.meta.url)) continue;
    readFileSync(file, 'utf8').split('\n').forEach((l, i) => {
      if (/^\s*(\/\/|#|\*)\s*(Imports|May import):/.test(l)) report(file, `line ${i + 1}: hand-kept "Imports:" header; the layer rules live in .dependency-cruiser.cjs`);
    });
  }
}

if (problems.length) {
  console.error(`check-layout: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('check-layout: ok');
