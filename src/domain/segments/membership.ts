import type { DetailType, LeadSegmentChangedDetail } from '../events';

/** A lead's membership of one tracked segment, as last decided, with the event of that change until it is on the bus (an outbox of one). */
export interface Membership {
  readonly member: boolean;
  /** Counts the changes: each is written only at the version it read. */
  readonly version: number;
  readonly pending?: { readonly detailType: typeof DetailType.LeadSegmentEntered | typeof DetailType.LeadSegmentLeft; readonly detail: LeadSegmentChangedDetail };
}
