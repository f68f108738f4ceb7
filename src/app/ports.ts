import type { DomainEvent } from '../domain/events';
import type { Lead } from '../domain/lead';

/**
 * The ports several use cases share. Each is the smallest face of an adapter a use case needs, so an
 * adapter implements it structurally and a test gives an in-memory one; ports only one use case
 * needs are declared in that use case's module.
 */

/** Structured log lines; attributes never carry personal data. */
export interface Log {
  debug(message: string, attributes: Readonly<Record<string, unknown>>): void;
  info(message: string, attributes: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes: Readonly<Record<string, unknown>>): void;
}

/** Puts domain events on the bus; resolves only once every event is accepted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** One email to send, with the tags that tie its delivery events back to its cause. */
export interface Email {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Extra headers, e.g. List-Unsubscribe on marketing mail. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Sends one email; resolves with the provider's message id. */
export interface EmailSender {
  send(email: Email): Promise<string>;
}

/** Reads a lead as it is now (consistently); undefined when there is none (never created, or erased). */
export interface LeadReader {
  getLead(leadId: string): Promise<Lead | undefined>;
}
