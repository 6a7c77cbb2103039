import { z } from 'zod';
import { DOCUMENT_KINDS } from './kinds/index.ts';

/** JSON Schema of one steadystate.yaml document (any kind), for editors (yaml-language-server). */
export function specJsonSchema(): Record<string, unknown> {
  const union = z.union(Object.values(DOCUMENT_KINDS) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return {
    ...z.toJSONSchema(
      Object.keys(DOCUMENT_KINDS).length === 1 ? (Object.values(DOCUMENT_KINDS)[0] as z.ZodType) : union,
      {
        io: 'input',
        unrepresentable: 'any',
      },
    ),
    title: 'steadystate.yaml document',
  };
}
