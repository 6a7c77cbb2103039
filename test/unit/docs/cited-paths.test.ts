import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every repository path that docs/ARCHITECTURE.md and README.md cite (in backticks or as a
 * Markdown link) must exist: a doc that names a moved file sends a new maintainer nowhere.
 * A path is tried from the repository root, then under src/ (the layer tables cite
 * `core/...`); a bare file name must exist somewhere in the tree. Paths that exist only at
 * run time (state, reports, trained data), URL paths and templates (`<slo>`, `{a,b}`, `*`)
 * are not paths here.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const RUNTIME = [
  '.steadystate/',
  'reports/',
  'serving/data/',
  '.venv',
  'serving/model_repository/reference_profile.json',
];
/** Files a run writes (the game day's report folder, the stack state; the probe script generated into triton.yaml). */
const RUNTIME_NAMES = new Set(['journal.json', 'stack.json', 'ready.py', 'report.html', 'summary.md', 'junit.xml']);

const at = (path: string) => existsSync(join(root, path));

/** A path has a file extension, or a slash after a folder the repository (or src/) has. */
function looksLikePath(token: string): boolean {
  if (/[\s<>{}*$:=()|]/.test(token) || token.startsWith('-') || token.startsWith('/') || token.startsWith('http'))
    return false;
  if (/\.(ts|js|json|ya?ml|md|py|sh|pbtxt|txt|toml)$/.test(token)) return true;
  const first = token.replace(/^\.\//, '').split('/')[0] as string;
  return token.includes('/') && first !== '' && (first === '..' || at(first) || at(join('src', first)));
}

function missingCitedPaths(file: string, names: ReadonlySet<string>): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const cited = [
    ...[...text.matchAll(/`([^`\n]+)`/g)].map((m) => ({ raw: m[1] as string, link: false })),
    ...[...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => ({ raw: m[1] as string, link: true })),
  ];
  const missing = new Set<string>();
  for (const { raw, link } of cited) {
    const token = raw.replace(/^\.\//, '').replace(/\/$/, '');
    if (!looksLikePath(raw) || RUNTIME_NAMES.has(token) || RUNTIME.some((r) => token.startsWith(r))) continue;
    const candidates = link ? [normalize(join(dirname(file), token))] : [token, join('src', token)];
    if (candidates.some(at) || (!token.includes('/') && names.has(token))) continue;
    missing.add(`${file}: \`${raw}\` (tried ${candidates.join(', ')})`);
  }
  return [...missing];
}

describe('the documentation cites only paths that exist', () => {
  const names = new Set(
    execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .map((f) => basename(f)),
  );
  for (const file of ['docs/ARCHITECTURE.md', 'README.md']) {
    it(file, () => {
      expect(missingCitedPaths(file, names)).toEqual([]);
    });
  }
});
