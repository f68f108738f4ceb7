import type { Lead } from '../domain/lead';

/**
 * The ports several use cases share. Each is the smallest face of an adapter a use case needs, so an
 * adapter implements it structurally and a test gives an in-memory one; ports only one use case
 * needs are declared in that use case's module. The event publisher and the mailer already have
 * such interfaces beside their adapters, so they are the ports.
 */
export type { EventPublisher } from '../adapters/event-publisher';
export type { Mailer as EmailSender, OutgoingEmail as Email } from '../adapters/mailer';

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
