import { stringify } from 'yaml';

/** YAML for generated artifacts: no line folding (PromQL and annotations stay on their lines), block literals for multi-line text. */
export function yamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
}
