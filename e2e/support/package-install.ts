// Helpers for the package spec: pack a fresh build of hllm-web the way `npm publish` would,
// and install that tarball into a scratch app with npm, offline. Nothing is faked: the
// tarball is npm's own, and `npm ci` unpacks it and its dependencies from npm's cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();

interface LockEntry { version: string; integrity?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; [k: string]: unknown }
interface PackageJson { name: string; version: string; license: string; engines?: Record<string, string>; dependencies: Record<string, string> }

export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout, env: { ...process.env, NO_COLOR: '1' } });
}

/**
 * Builds the package into `<dir>/pkg/dist` (not the checkout's dist/, which the demo server
 * may be serving), lays it out as the package root, and packs it with `npm pack`.
 */
export function buildAndPack(dir: string): Packed {
  const pkg = join(dir, 'pkg');
  run(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn', '--outDir', join(pkg, 'dist'), '--emptyOutDir'], ROOT, 300_000);
  // Everything package.json "files" names outside dist/ (the docs) comes from the checkout as it is.
  const listed = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files.filter((f) => !f.startsWith('dist/'));
  for (const f of ['package.json', 'README.md', ...listed]) cpSync(join(ROOT, f), join(pkg, f));
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], pkg)) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  if (!info) throw new Error('npm pack printed no package');
  return { tarball: join(dir, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/**
 * The lockfile entries of `names` and everything they need, copied from the checkout's
 * package-lock.json, with npm's nested node_modules lookup. That pins every dependency to
 * a version (and integrity) `npm ci` already put into npm's cache, so no registry is asked.
 */
function lockClosure(names: string[]): Record<string, LockEntry> {
  const packages = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const find = (name: string, from: string): string => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (packages[key]) return key;
      if (!dir) throw new Error(`package-lock.json has no entry for ${name} (needed by ${from || 'hllm-web'})`);
    }
  };
  const out: Record<string, LockEntry> = {};
  const queue: [name: string, from: string][] = names.map((n) => [n, '']);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const key = find(...next);
    if (out[key]) continue;
    // The checkout's dev/peer flags describe its own tree, not the scratch app's.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[key]!;
    out[key] = entry;
    for (const d of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) queue.push([d, key]);
  }
  return out;
}

/**
 * Creates a scratch app in `app` that depends on the tarball, and installs it with
 * `npm ci --offline`: the tarball itself plus its dependencies from npm's cache.
 */
export function installTarball(app: string, tarball: string): void {
  mkdirSync(app, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module', dependencies: { [pkg.name]: spec } }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({
    name: 'scratch-app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'scratch-app', dependencies: { [pkg.name]: spec } },
      [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies, engines: pkg.engines },
      ...lockClosure(Object.keys(pkg.dependencies)),
    },
  }, null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
}

/** `vite build` of the scratch app with the checkout's Vite and the app's own config file. */
export function viteBuild(app: string): void {
  run(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn', '--config', join(app, 'vite.config.js')], app);
}
