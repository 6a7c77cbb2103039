/**
 * One part file as CSV: a header, then `row,score` per input row. Scores arrive from Triton as
 * FP32 values in JSON; `String(score)` prints the shortest text that reads back to the same
 * double, so the same score is always the same text and an interrupted run's output equals an
 * uninterrupted one's byte for byte.
 */
export function encodeCsvPart(start: number, scores: readonly number[]): string {
  const lines = ['row,score'];
  scores.forEach((score, i) => {
    lines.push(`${start + i},${String(score)}`);
  });
  return `${lines.join('\n')}\n`;
}

export function decodeCsvPart(text: string): { rows: number[]; scores: number[] } {
  const lines = text.trimEnd().split('\n');
  if (lines[0] !== 'row,score') throw new Error(`a part starts with "row,score", this one with "${lines[0]}"`);
  const rows: number[] = [];
  const scores: number[] = [];
  for (const line of lines.slice(1)) {
    const [row, score] = line.split(',');
    rows.push(Number(row));
    scores.push(Number(score));
  }
  return { rows, scores };
}
