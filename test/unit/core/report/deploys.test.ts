import { describe, expect, it } from 'vitest';
import type { LoadRecord } from '../../../../src/core/load/record.ts';
import { deploysHtml, deploysMarkdown, withLoadCounts } from '../../../../src/core/report/deploys.ts';
import { renderReportHtml } from '../../../../src/core/report/html.ts';
import { renderSummaryMarkdown } from '../../../../src/core/report/markdown.ts';
import type { DeployRecord } from '../../../../src/core/report/types.ts';
import { START, sampleResult } from '../../../fixtures/gameday-result.ts';

/** The report's "Shipping models" section: stages on the time axis, canary decisions, requests failed meanwhile. */
const at = (s: number) => START + s * 1000;

function deploy(over: Partial<DeployRecord> = {}): DeployRecord {
  return {
    title: 'fraud v6 (good)',
    status: 'promoted',
    reason: 'alias champion -> version 6',
    startMs: at(100),
    endMs: at(160),
    stages: [
      { stage: 'fetch', startMs: at(100), endMs: at(101), outcome: 'ok', reason: 'version 6' },
      { stage: 'shadow', startMs: at(101), endMs: at(121), outcome: 'ok', reason: '500 mirrored calls' },
      { stage: 'canary', startMs: at(121), endMs: at(159), outcome: 'ok', reason: 'ramped 5/20/50/100%' },
      { stage: 'promote', startMs: at(159), endMs: at(160), outcome: 'ok', reason: 'alias champion' },
    ],
    decisions: [{ atMs: at(130), percent: 5, decision: 'advance', reason: 'guardrail quiet' }],
    requests: null,
    failedRequests: null,
    ...over,
  };
}

function record(atS: number, status: number, servedBy: string | null, dropped = false): LoadRecord {
  return {
    scheduledMs: atS * 1000,
    sendLagMs: 0,
    latencyMs: 5,
    serviceMs: 5,
    status,
    servedBy,
    variant: 'v1',
    kind: 'fresh',
    fraudLike: false,
    error: null,
    dropped,
  } as LoadRecord;
}

describe('withLoadCounts', () => {
  it('counts the requests scheduled while the deploy ran and those not answered well', () => {
    const records = [
      record(99, 503, 'shed'), // before it
      record(100, 200, 'primary'),
      record(120, 200, 'fallback_model'), // a good tier
      record(130, 200, 'default'), // degraded to the default score: not good
      record(140, 0, null), // no answer
      record(150, 0, null, true), // dropped by the driver: never sent
      record(161, 503, 'shed'), // after it
    ];
    const [counted] = withLoadCounts([deploy()], records, START);
    expect(counted).toMatchObject({ requests: 4, failedRequests: 2 });
  });
});

describe('the Shipping models section', () => {
  it('draws each stage as a band on the time axis and lists stages and canary decisions', () => {
    const html = deploysHtml([deploy({ requests: 4000, failedRequests: 0 })], START);
    expect(html).toContain('<h2 id="deploys">Shipping models</h2>');
    expect(html.match(/<rect class="stage" data-stage="/g)).toHaveLength(4);
    expect(html).toMatch(/data-stage="canary" x="[\d.]+" y="[\d.]+" width="[\d.]+"/);
    expect(html).toContain('0 of 4000');
    expect(html).toContain('<b>advance</b>');
    // Widths follow durations: the canary band (38 s) is wider than the shadow band (20 s).
    const width = (stage: string) =>
      Number(new RegExp(`data-stage="${stage}" x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)"`).exec(html)?.[1]);
    expect(width('canary')).toBeGreaterThan(width('shadow'));
    expect(deploysMarkdown([deploy()], START).join('\n')).toMatch(
      /\| fraud v6 \(good\) \| \*\*promoted\*\* \| 1:40 \| 60\.0 s \| requests failed: no data \|/,
    );
  });

  it('is absent from a report without deploys, present in both renderings with them', () => {
    expect(renderReportHtml(sampleResult())).not.toContain('Shipping models');
    expect(renderSummaryMarkdown(sampleResult())).not.toContain('Shipping models');
    const withDeploys = { ...sampleResult(), deploys: [deploy()] };
    expect(renderReportHtml(withDeploys)).toContain('id="deploy-timeline"');
    expect(renderSummaryMarkdown(withDeploys)).toContain('## Shipping models');
  });
});
