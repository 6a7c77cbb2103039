/**
 * A copy of a Triton model's config.pbtxt under another name and without its
 * `dynamic_batching { ... }` block. Without that block Triton's default scheduler runs each
 * request as it comes (Triton docs, "Schedulers"): the baseline for the batching benchmark.
 * `max_batch_size` stays, so clients send the same [1, n] tensors to both.
 */
export function withoutDynamicBatching(config: string, newName: string): string {
  const start = /^\s*dynamic_batching\s*\{/m.exec(config);
  if (!start) throw new Error('config.pbtxt has no dynamic_batching block; there is no batching to turn off');
  let depth = 0;
  let end = -1;
  for (let i = start.index + start[0].length - 1; i < config.length; i++) {
    if (config[i] === '{') depth++;
    else if (config[i] === '}' && --depth === 0) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) throw new Error('config.pbtxt: the dynamic_batching block has no closing brace');
  const rest = config.slice(end).replace(/^[ \t]*\r?\n/, '');
  const renamed = `${config.slice(0, start.index)}${rest}`.replace(/^name:\s*"[^"]*"/m, `name: "${newName}"`);
  if (!renamed.includes(`name: "${newName}"`)) throw new Error('config.pbtxt has no top-level name: "..." line');
  return renamed;
}

export interface BatchingVariant {
  /** false: no dynamic_batching block (Triton's default scheduler), other knobs still apply. */
  dynamicBatching?: false;
  /** Instances of the model (instance_group count). */
  instances?: number;
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  /** [] drops the preferred_batch_size line (the batcher then forms the largest batch it can). */
  preferredBatchSizes?: number[];
}

/**
 * A copy of a model's config.pbtxt under another name with the batching knobs replaced: the
 * variants the batching profile compares. Each knob must already be in the config (the
 * generated ones have all of them), so a typo in a pattern cannot silently measure the original.
 */
export function withBatchingVariant(config: string, newName: string, v: BatchingVariant): string {
  const replace = (text: string, pattern: RegExp, value: string, what: string) => {
    if (!pattern.test(text)) throw new Error(`config.pbtxt has no ${what} to replace`);
    return text.replace(pattern, value);
  };
  let out =
    v.dynamicBatching === false
      ? withoutDynamicBatching(config, newName)
      : replace(config, /^name:\s*"[^"]*"/m, `name: "${newName}"`, 'top-level name');
  if (v.instances !== undefined)
    out = replace(out, /(instance_group \[ \{ kind: KIND_\w+ count: )\d+/, `$1${v.instances}`, 'instance_group count');
  if (v.maxBatchSize !== undefined)
    out = replace(out, /^max_batch_size: \d+/m, `max_batch_size: ${v.maxBatchSize}`, 'max_batch_size');
  if (v.maxQueueDelayUs !== undefined)
    out = replace(
      out,
      /max_queue_delay_microseconds: \d+/,
      `max_queue_delay_microseconds: ${v.maxQueueDelayUs}`,
      'max_queue_delay_microseconds',
    );
  if (v.preferredBatchSizes !== undefined) {
    // The local CPU config has no preferred sizes, the playbook's has them: replace or insert.
    const line = v.preferredBatchSizes.length
      ? `  preferred_batch_size: [ ${v.preferredBatchSizes.join(', ')} ]\n`
      : '';
    const existing = /^\s*preferred_batch_size: \[[^\]]*\]\s*\n/m;
    out = existing.test(out)
      ? out.replace(existing, line)
      : replace(out, /^(dynamic_batching \{\n)/m, `$1${line}`, 'dynamic_batching block');
  }
  return out;
}
