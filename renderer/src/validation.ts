import type { z } from 'zod';

export type FieldErrors = Partial<Record<string, string>>;

/** The message of the first issue `schema` finds in `value`, or null when it is valid. */
export function schemaMessage(schema: z.ZodType, value: unknown): string | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'is not valid');
}

/** The first message per top-level field of a failed parse. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    const key =
      issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : field === undefined ? '' : String(field);
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * What a number text field (a port, a count) holds, for a number schema: digits become a number
 * (so range rules apply and their messages show); anything else stays a string, which the schema
 * rejects with its own message.
 */
export function numberInput(raw: string): number | string {
  const t = raw.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}
