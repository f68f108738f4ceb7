import { $ZodError } from 'zod/v4/core';

/** One thing wrong with the input, named by its path as the caller wrote it (`events[2].type`, `cursor`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * What leadflow's domain, use cases and adapters throw when a request cannot be done as asked. Each
 * kind says what went wrong, not how a transport shows it (src/http maps kinds to statuses in one
 * place). Messages and issues are written for the caller and hold no internals.
 */
export abstract class LeadflowError extends Error {
  constructor(
    message: string,
    readonly issues?: readonly FieldIssue[],
  ) {
    super(message);
  }
}

/** The input is not what the operation takes; the issues name each field at fault. */
export class InvalidInput extends LeadflowError {
  override readonly name = 'InvalidInput';
  declare readonly issues: readonly FieldIssue[];

  constructor(message: string, issues: readonly FieldIssue[]) {
    super(message, issues);
  }

  /** `Invalid request: <field> <message>`, the one issue naming the field. */
  static field(field: string, message: string): InvalidInput {
    return new InvalidInput(`Invalid request: ${field} ${message}`, [{ field, message }]);
  }
}

/**
 * The request does not prove who sent it: a missing or wrong signature, one too old to be a first
 * delivery, or a credential that is unknown or no longer valid.
 */
export class Unauthenticated extends LeadflowError {
  override readonly name = 'Unauthenticated';
}

/** The sender is known but may not do this (a write key used from a page outside its source's origins). */
export class Forbidden extends LeadflowError {
  override readonly name = 'Forbidden';
}

/** What the request names does not exist (or no longer does). */
export class NotFound extends LeadflowError {
  override readonly name = 'NotFound';
}

/** The request contradicts what is stored: a key reused for something else, a version changed meanwhile. */
export class Conflict extends LeadflowError {
  override readonly name = 'Conflict';
}

/**
 * The request cannot be done now but can be later: a resource is held by another request, or a
 * service it needs did not answer. `retryAfterSeconds` says when to try again.
 */
export class Unavailable extends LeadflowError {
  override readonly name: string = 'Unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * A lead changed under every attempt of an optimistic write (each read, decided and wrote against the
 * version it read): nothing was written, and repeating the request is safe.
 */
export class LeadBusy extends Unavailable {
  override readonly name = 'LeadBusy';

  constructor(leadId: string, attempts: number) {
    super(`Lead ${leadId} kept changing; giving up after ${attempts} attempts`, 2);
  }
}

/**
 * An error for logs: its kind and message; for a validation error only the paths and messages, never
 * the values, which may be personal data.
 */
export const describeError = (error: unknown) => {
  if (error instanceof $ZodError) return `ZodError: ${error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
};
