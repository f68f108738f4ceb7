import type * as z from 'zod/mini';
import '../api/messages';
import type { ErrorBody } from '../api/schemas';
import { Conflict, InvalidInput, LeadflowError } from '../domain/errors';

/**
 * An answer with a status of its own, shown to the caller as it is. It is one kind of LeadflowError
 * rather than a hierarchy of its own, so the error middleware maps every error in one place; it is
 * for conditions only HTTP has (a body too large, a content type, the edge secret) and for handlers,
 * which are HTTP code. Domain, use case and adapter code throws the other kinds, which say what went
 * wrong and leave the status to the middleware.
 */
export class HttpError extends LeadflowError {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    issues?: ErrorBody['issues'],
    readonly headers?: Record<string, string>,
  ) {
    super(message, issues);
  }
}

/** `events[2].properties.url` style paths, so a 400 names the field at fault. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((joined, key) => {
    if (typeof key === 'number') return `${joined}[${key}]`;
    return joined ? `${joined}.${String(key)}` : String(key);
  }, '');
}

/** A 400 for input its schema refused, naming every field at fault. */
export function validationError(error: z.core.$ZodError): InvalidInput {
  const issues = error.issues.map((issue) => ({
    field: fieldPath(issue.path) || '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.field} ${first.message}` : 'invalid request';
  return new InvalidInput(`Invalid request: ${summary}`, issues);
}

/** A path or query parameter parsed with its schema; a bad one is a 400 naming the parameter. */
export function parameter<T>(value: string | undefined, name: string, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(value ?? '');
  if (parsed.success) return parsed.data;
  throw InvalidInput.field(name, parsed.error.issues[0]?.message ?? 'is invalid');
}

/** A 409 for input that reuses a key (an idempotency key, an event id) for something else; the issues name each key. */
export function conflictError(issues: NonNullable<ErrorBody['issues']>): Conflict {
  const first = issues[0];
  return new Conflict(`Conflict: ${first ? `${first.field} ${first.message}` : 'a key was reused'}`, issues);
}

