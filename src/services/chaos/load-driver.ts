import { Agent, request } from 'undici';
import type { LoadSummary } from '../../core/chaos/journal.ts';
import { ENTITY_FEATURES, type Shift, type TrafficGenerator, type TrafficRequest } from '../../core/chaos/traffic.ts';
import type { FeatureValue } from '../../core/spec/feature-schema.ts';

/**
 * The built-in open-model load: arrivals at a fixed rate that do not wait for answers (a
 * closed loop would slow down exactly when the system does and hide the damage), plus an
 * optional burst on the hot keys. Never queues: beyond `maxInflight` an arrival is dropped
 * and counted. Every loop is bounded by stop().
 */
export interface LoadDriverOptions {
  gatewayUrl: string;
  /** Logical model: POST /v1/models/{model}/predict. */
  model: string;
  rate: number;
  generator: TrafficGenerator;
  /** Send only the transaction's own features (the rest come from the online feature store). */
  useFeatureStore: boolean;
  maxInflight?: number;
  timeoutMs?: number;
}

export class LoadDriver {
  private readonly options: LoadDriverOptions;
  private readonly agent: Agent;
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private issued = 0;
  private burst: { rate: number; startedAt: number; issued: number } | undefined;
  private readonly summary: LoadSummary;

  constructor(options: LoadDriverOptions) {
    this.options = options;
    this.agent = new Agent({ connections: 256, keepAliveTimeout: 10_000 });
    this.summary = { rate: options.rate, sent: 0, answered: 0, failed: 0, dropped: 0, byServedBy: {} };
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.fire(), 5);
  }

  setShift(shift: Shift | undefined): void {
    this.options.generator.shift = shift;
  }

  /** Extra requests per second on the hot keys; 0 ends the burst. */
  setBurst(rate: number): void {
    this.burst = rate > 0 ? { rate, startedAt: performance.now(), issued: 0 } : undefined;
  }

  async stop(drainMs = 5_000): Promise<LoadSummary> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, drainMs))]);
    await this.agent.close().catch(() => undefined);
    return this.snapshot();
  }

  snapshot(): LoadSummary {
    return { ...this.summary, byServedBy: { ...this.summary.byServedBy } };
  }

  private fire(): void {
    const now = performance.now();
    const due = Math.floor(((now - this.startedAt) / 1000) * this.options.rate) - this.issued;
    for (let i = 0; i < due; i++) {
      this.issued++;
      this.send(this.options.generator.next());
    }
    if (this.burst) {
      const b = this.burst;
      const extra = Math.floor(((now - b.startedAt) / 1000) * b.rate) - b.issued;
      for (let i = 0; i < extra; i++) {
        b.issued++;
        this.send(this.options.generator.hot());
      }
    }
  }

  private send(req: TrafficRequest): void {
    if (this.pending.size >= (this.options.maxInflight ?? 1_000)) {
      this.summary.dropped++;
      return;
    }
    this.summary.sent++;
    const features = this.options.useFeatureStore ? requestFeatures(req.features) : req.features;
    const task = request(`${this.options.gatewayUrl}/v1/models/${this.options.model}/predict`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: req.userId, features }),
      headersTimeout: this.options.timeoutMs ?? 10_000,
      bodyTimeout: this.options.timeoutMs ?? 10_000,
    })
      .then(async (res) => {
        const body = (await res.body.json().catch(() => ({}))) as { served_by?: string };
        if (res.statusCode === 200) {
          this.summary.answered++;
          const tier = body.served_by ?? 'unknown';
          this.summary.byServedBy[tier] = (this.summary.byServedBy[tier] ?? 0) + 1;
        } else {
          this.summary.failed++;
          const key = `http_${res.statusCode}`;
          this.summary.byServedBy[key] = (this.summary.byServedBy[key] ?? 0) + 1;
        }
      })
      .catch(() => {
        this.summary.failed++;
        this.summary.byServedBy.network_error = (this.summary.byServedBy.network_error ?? 0) + 1;
      })
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }
}

/** A request's own features: everything but the per-user entity features kept in the store. */
export function requestFeatures(features: Record<string, FeatureValue>): Record<string, FeatureValue> {
  const out = { ...features };
  for (const f of ENTITY_FEATURES) delete out[f];
  return out;
}
