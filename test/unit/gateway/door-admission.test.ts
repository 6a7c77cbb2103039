import { describe, expect, it } from 'vitest';
import { DoorAdmission } from '../../../src/gateway/overload/door-admission.ts';
import { LagShedder } from '../../../src/gateway/overload/lag-shedder.ts';

/** One window in which `model`'s models answered `answered` requests and overload refused `refused`. */
function window(door: DoorAdmission, model: string, answered: number, refused: number, lagMs = 1) {
  for (let i = 0; i < answered; i++) door.record(model, true);
  for (let i = 0; i < refused; i++) door.record(model, false);
  door.closeWindow(lagMs, 1);
}

function refusals(door: DoorAdmission, model: string | undefined, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const reason = door.refuse(model);
    if (reason !== undefined) out.push(reason);
  }
  return out;
}

describe('DoorAdmission: what the gateway refuses before reading a request', () => {
  it("sheds only the overloaded model's requests; another model's pass", () => {
    const door = new DoorAdmission({ models: ['fraud', 'churn'] });
    for (let w = 0; w < 5; w++) window(door, 'fraud', 100, 300);
    const fraud = refusals(door, 'fraud', 100);
    expect(fraud.length).toBeGreaterThan(60);
    expect(fraud[0]).toMatch(
      /^overloaded: fraud's model servers are at their concurrency limit and \d+% of its requests are shed at the door; retry after 1 s$/,
    );
    expect(refusals(door, 'churn', 100)).toEqual([]);
  });

  it('a request naming no model (/v1/predict) is the default model, the first; an unknown model is left to the router', () => {
    const door = new DoorAdmission({ models: ['fraud', 'churn'] });
    for (let w = 0; w < 5; w++) window(door, 'fraud', 10, 90);
    expect(refusals(door, undefined, 100).length).toBeGreaterThan(80);
    expect(refusals(door, 'no-such-model', 100)).toEqual([]);
  });

  it('answers the fallback model or a stale cache gave count as answered: a slow primary whose excess they take sheds nothing', () => {
    const door = new DoorAdmission({ models: ['fraud'] });
    for (let w = 0; w < 10; w++) window(door, 'fraud', 200, 0);
    expect(refusals(door, 'fraud', 100)).toEqual([]);
  });

  it("the gateway's own event-loop lag sheds every model's requests, and says so", () => {
    const lag = new LagShedder({ targetMs: 25 });
    const door = new DoorAdmission({ models: ['fraud', 'churn'], lag });
    for (let w = 0; w < 10; w++) {
      refusals(door, 'fraud', 200); // 2,000 req/s arrive
      door.closeWindow(80, 1); // 80 ms behind, loop fully busy
    }
    const churn = refusals(door, 'churn', 100);
    expect(churn.length).toBeGreaterThan(50);
    expect(churn[0]).toMatch(
      /^overloaded: the gateway's event loop is 80 ms behind and \d+% of requests are shed; retry after 1 s$/,
    );
    expect(door.shares()).toEqual([
      { model: 'fraud', reason: 'upstream_limit', share: 0 },
      { model: 'churn', reason: 'upstream_limit', share: 0 },
      { model: 'all', reason: 'event_loop_lag', share: lag.share },
    ]);
  });
  it('a lagging, busy loop at 20 req/s sheds nothing: the requests are not what fills it', () => {
    // The chaos CronJob test: the gateway shares its process with the test's cluster clients;
    // the loop lagged 30+ ms with the process busy, and 1 of its 20 req/s was shed for it.
    const lag = new LagShedder({ targetMs: 25 });
    const door = new DoorAdmission({ models: ['fraud'], lag });
    const shed: string[] = [];
    for (let w = 0; w < 50; w++) {
      shed.push(...refusals(door, 'fraud', 2)); // 2 a window of 100 ms
      door.closeWindow(80, 1);
    }
    expect(shed).toEqual([]);
    expect(lag.share).toBe(0);
    // The same loop with 500 req/s arriving: the requests are the load, shedding starts.
    for (let w = 0; w < 10; w++) {
      refusals(door, 'fraud', 50);
      door.closeWindow(80, 1);
    }
    expect(lag.share).toBeGreaterThan(0.5);
  });
});
