import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployJournal } from '../../core/deploy/journal.ts';

/**
 * Deploy journals on disk, one JSON file per deploy, replaced atomically (write + rename)
 * after every change: a deploy killed at any moment leaves its last complete state behind,
 * which is what `steadystate deploy` resumes from.
 */
export class JournalStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  save(journal: DeployJournal): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${journal.id}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(journal, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  all(): DeployJournal[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names
      .map((n) => JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as DeployJournal)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** The deploy still running for a registered model (at most one: a second is refused). */
  running(registeredModel: string): DeployJournal | undefined {
    return this.all().find((j) => j.registeredModel === registeredModel && j.status === 'running');
  }

  latest(registeredModel: string): DeployJournal | undefined {
    return this.all()
      .filter((j) => j.registeredModel === registeredModel)
      .at(-1);
  }
}
