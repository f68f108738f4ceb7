import type { OutgoingEmail } from '../domain/email';
import type { DomainEvent } from '../domain/events';
import type { Lead } from '../domain/lead';
import type { Lifespan } from '../domain/care/lifetime-value';
import type { SubscriptionCatalogue } from '../domain/subscriptions';

/**
 * The ports several use cases share. Each is the smallest face of an adapter a use case needs, so an
 * adapter implements it structurally and a test gives an in-memory one; ports only one use case
 * needs are declared in that use case's module.
 */

/** Puts domain events on the bus. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export type { OutgoingEmail as Email } from '../domain/email';

/** Sends one email at a time. */
export interface EmailSender {
  /** Sends one email; resolves with the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

/**
 * How a queue delivered the record being handled: `last` on its last delivery, after which the queue
 * gives up on it (its DLQ). A consumer that retries while another invocation holds its claim settles
 * the claim then instead: by that delivery its holder is gone (in AWS four visibility timeouts have
 * passed; under npm start, whose retries come seconds apart, a claim still held then was left by a
 * process killed mid-way, whose messages npm start's queue journal delivers again at its next start).
 */
export interface DeliveryAttempt {
  readonly last: boolean;
}

/** Structured log lines; attributes never carry personal data. */
export interface Log {
  debug(message: string, attributes: Readonly<Record<string, unknown>>): void;
  info(message: string, attributes: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes: Readonly<Record<string, unknown>>): void;
}

/** Reads a lead as it is now (consistently); undefined when there is none (never created, or erased). */
export interface LeadReader {
  getLead(leadId: string): Promise<Lead | undefined>;
}

/**
 * The average customer lifespan projected lifetime values are computed with: learned from churned
 * customers once enough churned, else the configured one. One table item holds all it needs.
 */
export interface LifespanReader {
  lifespan(): Promise<Lifespan>;
}

/** Reads many leads as they are now (consistently), in as few requests as the store allows; missing ones are left out. */
export interface LeadsReader {
  getLeads(leadIds: readonly string[]): Promise<readonly Lead[]>;
}

/**
 * The subscription types as stored (the seeded ones until an admin saves a catalogue), as readers
 * use them: kept briefly, so a change reaches every reader within a minute, and read afresh when they
 * lack a type `named` (one added moments ago, which the input being checked names).
 */
export type SubscriptionCatalogueReader = (named?: readonly string[]) => Promise<SubscriptionCatalogue>;
