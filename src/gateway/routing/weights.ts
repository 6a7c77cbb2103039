import { InvalidRequestError, NotFoundError } from '../errors.ts';

/**
 * The live traffic split per logical model. Starts from the spec; the A/B controller and
 * the chaos runner change it through the admin API (e.g. rollback to 100% control).
 */
export class WeightsStore {
  private readonly weights = new Map<string, { name: string; weight: number }[]>();
  /** The same split as a record, built once per change: routing reads it on every request. */
  private readonly records = new Map<string, Record<string, number>>();
  /** The one variant with weight above 0, where there is exactly one: every user gets it. */
  private readonly soles = new Map<string, string | undefined>();

  constructor(models: readonly { name: string; variants: readonly { name: string; weight: number }[] }[]) {
    for (const m of models)
      this.store(
        m.name,
        m.variants.map((v) => ({ name: v.name, weight: v.weight })),
      );
  }

  get(model: string): { name: string; weight: number }[] {
    const w = this.weights.get(model);
    if (!w) throw new NotFoundError(`unknown model "${model}"; known: ${[...this.weights.keys()].join(', ')}`, 'model');
    return w;
  }

  asRecord(model: string): Record<string, number> {
    const record = this.records.get(model);
    if (!record) this.get(model); // throws the 404 naming the known models
    return record as Record<string, number>;
  }

  /**
   * The variant every user is assigned when only one has weight (100% control, a finished
   * rollout): the assignment hash cannot pick another, so routing skips it. Undefined when
   * the traffic is split.
   */
  soleVariant(model: string): string | undefined {
    return this.soles.get(model);
  }

  private store(model: string, split: { name: string; weight: number }[]): void {
    this.weights.set(model, split);
    const live = split.filter((v) => v.weight > 0);
    this.soles.set(model, live.length === 1 ? live[0]?.name : undefined);
    this.records.set(model, Object.freeze(Object.fromEntries(split.map((v) => [v.name, v.weight]))));
  }

  /** Replaces the split; every variant must be named, weights in [0, 100] adding up to 100. */
  set(model: string, update: unknown): Record<string, number> {
    const current = this.get(model);
    if (typeof update !== 'object' || update === null || Array.isArray(update)) {
      throw new InvalidRequestError(
        'weights must be an object of variant -> percent, e.g. {"v1": 100, "v2": 0}',
        'weights',
      );
    }
    const entries = Object.entries(update as Record<string, unknown>);
    const names = current.map((v) => v.name);
    for (const [name, value] of entries) {
      if (!names.includes(name))
        throw new InvalidRequestError(
          `unknown variant "${name}" of ${model}; expected ${names.join(', ')}`,
          `weights.${name}`,
        );
      if (typeof value !== 'number' || !(value >= 0 && value <= 100)) {
        throw new InvalidRequestError(
          `weights.${name} must be a number from 0 to 100, got ${JSON.stringify(value)}`,
          `weights.${name}`,
        );
      }
    }
    const missing = names.filter((n) => !entries.some(([k]) => k === n));
    if (missing.length > 0)
      throw new InvalidRequestError(`weights must name every variant; missing ${missing.join(', ')}`, 'weights');
    const total = entries.reduce((s, [, v]) => s + (v as number), 0);
    if (Math.abs(total - 100) > 1e-9)
      throw new InvalidRequestError(`weights add up to ${total}; they must add up to 100`, 'weights');
    this.store(
      model,
      names.map((n) => ({ name: n, weight: (update as Record<string, number>)[n] as number })),
    );
    return this.asRecord(model);
  }
}
