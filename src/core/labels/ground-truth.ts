/**
 * A delayed ground-truth label: what really happened to the transaction behind one
 * prediction (fraud or not), keyed by the prediction's request id. Labels arrive hours to
 * weeks after the answer (chargebacks, analyst reviews), from files or POSTed batches.
 */
export interface GroundTruth {
  request_id: string;
  /** 1: the positive class (fraud), 0: not. */
  label: 0 | 1;
  /** When the label became known (ISO 8601); the delay is this minus the prediction's time. */
  labelled_at: string;
}

/** One rejected record of a batch: its position, the field at fault and what was expected. */
export interface LabelProblem {
  index: number;
  field: string;
  message: string;
}

const LABEL_VALUES: Record<string, 0 | 1> = { '0': 0, '1': 1, false: 0, true: 1 };

/**
 * Validates one incoming record (a JSON object, or a CSV row as strings). `labelled_at` is
 * optional: without it the label is dated `now` (the moment it reached us). Every problem
 * names the field and the accepted values.
 */
export function parseGroundTruth(raw: unknown, index: number, now: string): GroundTruth | LabelProblem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { index, field: '(record)', message: 'must be an object with request_id and label' };
  }
  const record = raw as Record<string, unknown>;
  const id = record.request_id;
  if (typeof id !== 'string' || id.trim() === '') {
    return { index, field: 'request_id', message: 'must be the non-empty request id of the prediction (string)' };
  }
  const label = LABEL_VALUES[String(record.label).trim().toLowerCase()];
  if (record.label === undefined || record.label === null || record.label === '' || label === undefined) {
    return { index, field: 'label', message: `must be 0 or 1 (or false/true), got ${JSON.stringify(record.label)}` };
  }
  let labelledAt = now;
  if (record.labelled_at !== undefined && record.labelled_at !== '') {
    const text = record.labelled_at;
    if (typeof text !== 'string' || Number.isNaN(Date.parse(text))) {
      return {
        index,
        field: 'labelled_at',
        message: `must be an ISO 8601 time like "2026-12-04T17:00:00Z", got ${JSON.stringify(text)}`,
      };
    }
    labelledAt = new Date(text).toISOString();
  }
  return { request_id: id.trim(), label, labelled_at: labelledAt };
}

export function isProblem(value: GroundTruth | LabelProblem): value is LabelProblem {
  return 'field' in value;
}
