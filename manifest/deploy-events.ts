import type { DeployEvent } from './types';
import { DEFAULT_SURVEYS } from '../src/domain/care/surveys';
import { careTimersFingerprint } from '../src/domain/care/timer-backfill';
import { DetailType } from '../src/domain/events';

/**
 * The events the deployment itself puts on the bus (see DeployEvent), each to the functions of the
 * manifest whose rule consumes it. Apart from `manifest` so that no function's code reaches them: they
 * are the deployment's to send, not a function's.
 */
export const deployEvents: readonly DeployEvent[] = [
  {
    // Customers made before a timer existed, or before a survey recurred, get the timers they lack; none moves.
    name: 'CareTimersBackfill',
    event: { detailType: DetailType.CareTimersBackfillRequested, detail: { version: 1, correlationId: 'deploy-care-timers-backfill' } },
    fingerprint: careTimersFingerprint(DEFAULT_SURVEYS),
  },
];
