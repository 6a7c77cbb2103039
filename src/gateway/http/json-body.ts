import { InvalidRequestError } from '../errors.ts';

/** Keys that poison an object's prototype when a parsed body is merged or assigned somewhere. */
const POISON_KEYS = ['__proto__', 'constructor'] as const;

/**
 * Parses a JSON body and refuses prototype-poisoning keys (`__proto__`, `constructor`) by
 * name. fastify's own parser refuses them too, but as "Body is not valid JSON", which sends a
 * client looking for a syntax error that is not there. The key walk only runs when the text
 * could hold such a key (it names one, or uses \u escapes), so ordinary bodies pay a scan.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      text.length === 0
        ? 'the body is empty; send a JSON body'
        : `the body is not valid JSON (${(error as Error).message}); send a JSON body`,
      'body',
    );
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const key = poisonKeyIn(value);
    if (key !== undefined)
      throw new InvalidRequestError(
        `the body has a "${key}" key, refused as a prototype-poisoning key; remove it (no feature or field has that name)`,
        key,
      );
  }
  return value;
}

function poisonKeyIn(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = poisonKeyIn(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if ((POISON_KEYS as readonly string[]).includes(key)) return key;
    const found = poisonKeyIn((value as Record<string, unknown>)[key]);
    if (found !== undefined) return found;
  }
  return undefined;
}
