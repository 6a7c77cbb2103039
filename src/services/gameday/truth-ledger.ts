import type { LoadRequest } from '../../core/load/payload-mix.ts';
import { mulberry32 } from '../../core/random/mulberry32.ts';

/** A label as the label service takes it (POST /v1/labels). */
export interface DueLabel {
  request_id: string;
  label: 0 | 1;
  labelled_at: string;
}

/**
 * The game day's ground truth: the load generator knows the true class of every transaction
 * it sends (the reference row's label), so each request gets an id (sent as x-request-id, the
 * id the gateway logs the prediction under) and its truth is kept here until the late-labels
 * phase delivers it, `delay` after it was sent, as chargebacks and analyst reviews do.
 *
 * `setNovelFraud(rate)` changes the world, not the model: from then on a share `rate` of the
 * transactions sent are fraud of a kind the model never saw, drawn independently of their
 * features, so the model's scores say nothing about them (concept drift: the inputs do not
 * move, no drift detector can see it, only labels can).
 */
export class TruthLedger {
  readonly #ids: string[] = [];
  readonly #labels: (0 | 1)[] = [];
  readonly #sentAtMs: number[] = [];
  #delivered = 0;
  #sequence = 0;
  #novelRate: number | undefined;
  readonly #random: () => number;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(options: { seed?: number; prefix?: string; now?: () => number } = {}) {
    this.#random = mulberry32(options.seed ?? 17);
    this.#prefix = options.prefix ?? 'gd-';
    this.#now = options.now ?? Date.now;
  }

  /** Gives the request its id and records its truth; call as it is handed to the load driver. */
  stamp(request: LoadRequest): LoadRequest {
    const requestId = `${this.#prefix}${this.#sequence++}`;
    const truth =
      this.#novelRate === undefined ? (request.fraudLike ? 1 : 0) : this.#random() < this.#novelRate ? 1 : 0;
    this.#ids.push(requestId);
    this.#labels.push(truth);
    this.#sentAtMs.push(this.#now());
    return { ...request, requestId };
  }

  /** undefined: the truth is the row's own label again. */
  setNovelFraud(rate: number | undefined): void {
    this.#novelRate = rate;
  }

  /** Labels of the requests sent at or before `sentUpToMs` not yet delivered, dated `now`. */
  due(sentUpToMs: number): DueLabel[] {
    const labelledAt = new Date(this.#now()).toISOString();
    const out: DueLabel[] = [];
    while (this.#delivered < this.#ids.length && (this.#sentAtMs[this.#delivered] as number) <= sentUpToMs) {
      out.push({
        request_id: this.#ids[this.#delivered] as string,
        label: this.#labels[this.#delivered] as 0 | 1,
        labelled_at: labelledAt,
      });
      this.#delivered++;
    }
    return out;
  }

  get sent(): number {
    return this.#ids.length;
  }
}
