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
