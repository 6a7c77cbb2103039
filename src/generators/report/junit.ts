import type { ExpectationRecord, Journal, PhaseCheck, StepRecord } from '../../core/chaos/journal.ts';
import { describeTolerance, type ProbeVerdict } from '../../core/chaos/verdict.ts';

/**
 * JUnit XML for CI dashboards (the de-facto schema Jenkins, GitLab and GitHub reporters
 * read: testsuites > testsuite > testcase with failure / error / skipped). A deviated probe
 * is a <failure>; "no data" and probes that could not run are an <error> (the test could
 * not measure), never a pass.
 */
interface Case {
  classname: string;
  name: string;
  time: number;
  failure?: { type: string; message: string; body?: string };
  error?: { type: string; message: string; body?: string };
}

function verdictCase(classname: string, v: ProbeVerdict): Case {
  const c: Case = { classname, name: `${v.probe} ${describeTolerance(v.tolerance)}`, time: 0 };
  if (v.outcome === 'deviated') c.failure = { type: 'deviated', message: v.why };
  else if (v.outcome !== 'ok') c.error = { type: v.outcome, message: v.why };
  return c;
}

function phaseCases(suite: string, phase: string, check: PhaseCheck | undefined): Case[] {
  return check ? check.verdicts.map((v) => verdictCase(`${suite}.steady-state-${phase}`, v)) : [];
}

function duringCases(suite: string, journal: Journal): Case[] {
  return journal.during.probes.map((probe) => {
    const verdicts = journal.during.ticks.flatMap((t) =>
      t.verdicts.filter((v) => v.probe === probe).map((v) => ({ t: t.atSeconds, v })),
    );
    // A phase-scoped probe is judged once, over the whole method; a windowed one at every check.
    const final = journal.during.final?.verdicts.find((v) => v.probe === probe);
    if (final && !verdicts.some(({ v }) => v.scope === 'window'))
      return verdictCase(`${suite}.steady-state-during`, final);
    const first = verdicts[0]?.v;
    const c: Case = {
      classname: `${suite}.steady-state-during`,
      name: first ? `${probe} ${describeTolerance(first.tolerance)}` : probe,
      time: 0,
    };
    const bad = verdicts.filter(({ v }) => v.outcome !== 'ok');
    const deviated = bad.filter(({ v }) => v.outcome === 'deviated');
    if (verdicts.length === 0) c.error = { type: 'no_data', message: 'never checked: the method did not start' };
    else if (deviated.length > 0) {
      const d = deviated[0] as { t: number; v: ProbeVerdict };
      c.failure = {
        type: 'deviated',
        message: `deviated in ${deviated.length} of ${verdicts.length} checks; first at ${d.t.toFixed(1)} s: ${d.v.why}`,
        body: deviated.map(({ t, v }) => `${t.toFixed(1)} s: ${v.why}`).join('\n'),
      };
    } else if (bad.length > 0) {
      const d = bad[0] as { t: number; v: ProbeVerdict };
      c.error = {
        type: d.v.outcome,
        message: `${bad.length} of ${verdicts.length} checks without a number; first at ${d.t.toFixed(1)} s: ${d.v.why}`,
      };
    }
    return c;
  });
}

function expectationCase(suite: string, e: ExpectationRecord | undefined): Case[] {
  if (!e) return [];
  const c: Case = {
    classname: `${suite}.targets`,
    name: `${e.kind} within ${e.withinSeconds} s (${e.probe} ${describeTolerance(e.tolerance)})`,
    time: e.measuredSeconds ?? 0,
  };
  if (e.met === false) c.failure = { type: 'target-missed', message: e.why };
  if (e.met === null) c.error = { type: 'not-decided', message: e.why };
  return [c];
}

function stepCases(suite: string, kind: string, steps: StepRecord[]): Case[] {
  return steps
    .flatMap((s) => [s, ...(s.revert ? [{ ...s.revert, name: `${s.name} (revert)` }] : [])])
    .map((s) => {
      const c: Case = {
        classname: `${suite}.${kind}`,
        name: `${s.name} (${s.type})`,
        time: s.endSeconds - s.startSeconds,
      };
      if (s.outcome === 'failed') c.error = { type: 'action-failed', message: s.error ?? 'failed' };
      return c;
    });
}

export function junitXml(journals: Journal[]): string {
  const suites = journals.map((j) => {
    const name = j.experiment.name;
    const cases: Case[] = [
      ...phaseCases(name, 'before', j.before),
      ...duringCases(name, j),
      ...phaseCases(name, 'after', j.after),
      ...expectationCase(name, j.detection),
      ...expectationCase(name, j.recovery),
      ...(j.abort
        ? [
            {
              classname: `${name}.abort`,
              name: j.abort.condition,
              time: 0,
              failure: { type: 'aborted', message: j.abort.verdict.why },
            },
          ]
        : []),
      ...stepCases(name, 'method', j.method),
      ...stepCases(name, 'rollbacks', j.rollbacks),
    ];
    if (j.error && j.status === 'failed' && cases.every((c) => !c.failure && !c.error)) {
      cases.push({ classname: `${name}.run`, name: 'run', time: 0, error: { type: 'run-failed', message: j.error } });
    }
    return { j, cases };
  });
  const count = (cases: Case[], key: 'failure' | 'error') => cases.filter((c) => c[key]).length;
  const all = suites.flatMap((s) => s.cases);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="steadystate chaos" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${seconds(suites.reduce((s, x) => s + x.j.durationSeconds, 0))}">`,
  ];
  for (const { j, cases } of suites) {
    out.push(
      `  <testsuite name="${esc(j.experiment.name)}" tests="${cases.length}" failures="${count(cases, 'failure')}" errors="${count(cases, 'error')}" skipped="0" time="${seconds(j.durationSeconds)}" timestamp="${esc(j.startedAt)}">`,
      '    <properties>',
      ...[
        ['status', j.status],
        ['deviated', String(j.deviated)],
        ['target', j.experiment.target],
        ['time-scale', String(j.timeScale)],
        ['detection-seconds', j.detection?.measuredSeconds?.toFixed(2) ?? ''],
        ['recovery-seconds', j.recovery?.measuredSeconds?.toFixed(2) ?? ''],
      ].map(([k, v]) => `      <property name="${k}" value="${esc(v as string)}"/>`),
      '    </properties>',
    );
    for (const c of cases) {
      const head = `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${seconds(c.time)}"`;
      const inner = c.failure ?? c.error;
      if (!inner) {
        out.push(`${head}/>`);
        continue;
      }
      const tag = c.failure ? 'failure' : 'error';
      out.push(
        `${head}>`,
        `      <${tag} type="${esc(inner.type)}" message="${esc(inner.message)}">${esc(inner.body ?? inner.message)}</${tag}>`,
        '    </testcase>',
      );
    }
    out.push(
      `    <system-out>${esc(`${j.status}${j.deviated ? ' (deviated)' : ''}: ${j.reason}`)}</system-out>`,
      '  </testsuite>',
    );
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function seconds(x: number): string {
  return Math.max(0, x).toFixed(3);
}

/** XML 1.0 text and attribute escaping; characters XML cannot carry at all are dropped. */
function esc(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
