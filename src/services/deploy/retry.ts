import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { TritonError } from '../../adapters/triton/errors.ts';
import { RegistryUnavailableError } from '../../core/deploy/registry.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';

/**
 * The deploy's one retry policy (cockatiel, exponential backoff with jitter): the registry
 * (MLflow) or the model store (S3) not answering, or Triton failing to load a model from a
 * store that is down, is retried up to `retry.maxAttempts`; then the stage fails cleanly and
 * the serving side keeps what it had. Any other error is an answer and is not retried.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof RegistryUnavailableError) return true;
  const name = (error as Error | undefined)?.name;
  if (name === 'ObjectStoreUnavailableError') return true;
  if (error instanceof TritonError) return error.kind !== 'http' || error.operation === 'load';
  return false;
}

export function deployRetry(spec: DeploymentSpec, onRetry?: (attempt: number, error: unknown) => void) {
  const policy = retry(handleWhen(isTransient), {
    maxAttempts: spec.retry.maxAttempts - 1,
    backoff: new ExponentialBackoff({
      initialDelay: parseDuration(spec.retry.initialDelay) * 1000,
      maxDelay: parseDuration(spec.retry.maxDelay) * 1000,
    }),
  });
  if (onRetry) {
    policy.onRetry((event) => onRetry(event.attempt, 'error' in event ? event.error : undefined));
  }
  return <T>(fn: () => Promise<T>): Promise<T> => policy.execute(fn);
}
