import type { SkipReason } from '../domain/consent/send-policy';
import type { MarketingSendGate } from './marketing-send-gate';
import type { SubscriptionType } from '../domain/subscriptions';

/** A journey step's email to one lead, named the same on every retry of it and differently for any other email. */
export interface JourneyMessage {
  readonly journeyId: string;
  readonly leadId: string;
  /** The enrolment's run: a lead entering again gets its emails again, each counted again. */
  readonly run: number;
  readonly stepId: string;
}

export type JourneySendDecision = { readonly send: true } | { readonly send: false; readonly reason: SkipReason };

/** The send-time check journeys ask before each email. */
export interface SendTimeCheck {
  decide(subscription: SubscriptionType, message: JourneyMessage, now: Date): Promise<JourneySendDecision>;
}

/**
 * Journeys through the one send-time policy of every marketing email (src/app/marketing-send-gate.ts):
 * consent and suppression read now, the lead's quiet hours, the frequency cap, which the email is
 * counted against when it goes. A journey email in quiet hours is skipped with that reason, where a
 * campaign's waits: the journey's own waits already say when its emails should go.
 */
export function marketingSendPolicy(gate: MarketingSendGate): SendTimeCheck {
  return {
    decide: async (subscription, message, now) => {
      const verdict = await gate.decide({
        leadId: message.leadId,
        subscription,
        messageKey: `journey:${message.journeyId}:${message.leadId}:${message.run}:${message.stepId}`,
        now,
      });
      return verdict.send ? { send: true } : { send: false, reason: verdict.reason };
    },
  };
}
