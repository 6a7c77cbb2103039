import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { GENERATORS } from '../../generators/index.ts';
import type { GeneratedFile } from '../../generators/types.ts';

export function registerGen(program: Command): void {
  program
    .command('gen')
    .description('write every artifact generated from the spec (alerts/, dashboards/, loadtests/, manifests)')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--check', 'write nothing; exit 1 and name every stale or missing file')
    .option('--out <dir>', 'write into this folder instead of the project root')
    .action((opts) => {
      const spec = loadSpecFile(opts.spec);
      const files = GENERATORS.flatMap((g) => g.generate(spec));
      if (opts.check) {
        const problems = checkGenerated(files, process.cwd());
        if (problems.length > 0) {
          console.error(
            `stale generated files (fix: npm run gen, then commit):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
          );
          process.exitCode = 1;
          return;
        }
        console.log(`gen:check: ${files.length} generated files are current`);
        return;
      }
      const root = opts.out ?? process.cwd();
      for (const file of files) {
        const target = join(root, file.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
      }
      console.log(`wrote ${files.length} files`);
    });
}

/** Names files that differ from what the spec generates, and generated-looking orphans. */
export function checkGenerated(files: GeneratedFile[], root: string): string[] {
  const problems: string[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const file of files) {
    const target = join(root, file.path);
    if (!existsSync(target)) problems.push(`${file.path} is missing`);
    else if (readFileSync(target, 'utf8') !== file.content)
      problems.push(`${file.path} differs from what the spec generates`);
  }
  for (const owned of GENERATORS.flatMap((g) => g.owns)) {
    const dir = join(root, owned);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const path of walk(dir)) {
      const rel = relative(root, path);
      if (!expected.has(rel) && readFileSync(path, 'utf8').includes('DO NOT EDIT')) {
        problems.push(`${rel} is generated but no longer produced by the spec (delete it)`);
      }
    }
  }
  return problems;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}
