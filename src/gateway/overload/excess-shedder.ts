/**
 * Sheds, at the door, the share of one model's requests its upstreams cannot take.
 *
 * The adaptive concurrency limit (adaptive-limit.ts) decides how many calls the upstream gets,
 * but it decides late: by the time a request reaches it, the gateway has read and parsed the
 * body, validated it, hashed the cache key and routed it, and a refusal then goes down the
 * fallback chain. Measured in the overload bench, such a late refusal cost about as much CPU
 * as a served request, so at 2x capacity the gateway spent its loop refusing and the model
 * went idle (8% goodput). The late refusals are the signal; this controller acts on them
 * before the framework sees the request (early-shed.ts), where a 503 costs a few microseconds:
 *
 *   every window: reached = admitted + refused for overload behind the door, where admitted is
 *     every other end (a model or the stale cache answered, or the upstream failed otherwise);
 *     refused > 0:  pass = pass x (admitted x (1 + headroom) / reached) ^ smoothing
 *     none refused: pass = pass x recovery + 0.01          (at most 1)
 *   A window with refusals but fewer than `minEvidence` requests is not judged: its counts carry
 *   into the next. At low traffic one refusal in a window of one request would otherwise read
 *   as "nothing fits" and shed 98% of the model's requests for the next second or two.
 *
 * In steady overload about headroom / (1 + headroom) of what passes the door is still refused
 * behind it: that small excess keeps the concurrency limit full, which is what lets it measure
 * the upstream and grow when the upstream gets faster.
 *
 * Pure: the caller records each limit decision and closes a window on its own clock.
 */
export interface ExcessShedderSettings {
  /** Requests let through beyond what the models answered, so the limit stays full (0.05 = 5% more). */
  headroom?: number;
  /** The pass share never falls below this: some requests always reach the limit, which measures capacity. */
  minPass?: number;
  /** Multiplier on the pass share per window in which nothing was refused. */
  recovery?: number;
  /** Exponent on each window's correction: 1 jumps straight to the estimate, less smooths noise. */
  smoothing?: number;
  /** Requests a window needs before its refusals move the pass share; fewer carry over. */
  minEvidence?: number;
}

export class ExcessShedder {
  private readonly headroom: number;
  private readonly minPass: number;
  private readonly recovery: number;
  private readonly smoothing: number;
  private readonly minEvidence: number;
  private pass = 1;
  private admitted = 0;
  private refused = 0;
  private accumulator = 0;

  constructor(settings: ExcessShedderSettings = {}) {
    this.headroom = settings.headroom ?? 0.05;
    this.minPass = settings.minPass ?? 0.02;
    this.recovery = settings.recovery ?? 1.25;
    this.smoothing = settings.smoothing ?? 0.5;
    this.minEvidence = settings.minEvidence ?? 20;
    if (!(this.headroom >= 0)) throw new RangeError(`headroom must be >= 0, got ${this.headroom}`);
    if (!(this.minPass > 0 && this.minPass <= 1))
      throw new RangeError(`minPass must be in (0, 1], got ${this.minPass}`);
    if (!(this.recovery > 1)) throw new RangeError(`recovery must be > 1, got ${this.recovery}`);
    if (!(this.smoothing > 0 && this.smoothing <= 1))
      throw new RangeError(`smoothing must be in (0, 1], got ${this.smoothing}`);
    if (!(Number.isInteger(this.minEvidence) && this.minEvidence >= 1))
      throw new RangeError(`minEvidence must be a whole number >= 1, got ${this.minEvidence}`);
  }

  /** The share of this model's requests refused at the door now, in [0, 1 - minPass]. */
  get share(): number {
    return 1 - this.pass;
  }

  /** How a request that passed the door and needed a model ended: refused for overload (false), or not. */
  record(admitted: boolean): void {
    if (admitted) this.admitted++;
    else this.refused++;
  }

  /** Ends a window: moves the pass share toward what the limits let through. */
  closeWindow(): void {
    const reached = this.admitted + this.refused;
    if (this.refused > 0) {
      if (reached < this.minEvidence) return; // too few to judge: carry the counts
      const ratio = (this.admitted * (1 + this.headroom)) / reached;
      this.pass = clamp(this.pass * ratio ** this.smoothing, this.minPass, 1);
    } else if (this.pass < 1) {
      this.pass = Math.min(1, this.pass * this.recovery + 0.01);
    }
    this.admitted = 0;
    this.refused = 0;
  }

  /** True = let the request in; false = shed it. Exactly `share` of calls are refused, evenly spread. */
  admit(): boolean {
    if (this.pass >= 1) return true;
    this.accumulator += 1 - this.pass;
    if (this.accumulator >= 1) {
      this.accumulator -= 1;
      return false;
    }
    return true;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}
