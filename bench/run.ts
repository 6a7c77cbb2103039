#!/usr/bin/env node
/**
 * `npm run bench -- NAME [--json]`: runs bench/NAME.ts and prints its figures.
 * A benchmark module default-exports `async (args: string[]) => Record<string, unknown>`;
 * figures are medians of several runs side by side with a baseline in the same run, as ratios.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--json]; NAME is one of: ${available.join(', ')}`);
  process.exit(2);
}
const json = rest.includes('--json');
const mod = (await import(join(import.meta.dirname, `${name}.ts`))) as {
  default: (args: string[]) => Promise<Record<string, unknown>>;
};
const figures = {
  bench: name,
  date: new Date().toISOString(),
  ...(await mod.default(rest.filter((a) => a !== '--json'))),
};
if (json) console.log(JSON.stringify(figures));
else console.log(JSON.stringify(figures, null, 2));
