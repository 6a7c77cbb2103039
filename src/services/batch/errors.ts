/**
 * Errors a batch job reports to its operator: each names the file or object at fault and what
 * to do. Input errors are found before anything is written (exit 2); a scoring failure after
 * retries leaves a valid checkpoint behind (exit 1, resumable).
 */
export class BatchInputError extends Error {
  override readonly name = 'BatchInputError';
}

export class BatchScoringError extends Error {
  override readonly name = 'BatchScoringError';
  readonly rowsDone: number;
  constructor(message: string, rowsDone: number, options?: ErrorOptions) {
    super(message, options);
    this.rowsDone = rowsDone;
  }
}
