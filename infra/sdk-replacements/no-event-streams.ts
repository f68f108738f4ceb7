/**
 * Stands in for `@smithy/core/event-streams` in every function bundle (infra/function-bundling.ts). The
 * SDK loads it only for an operation with an event stream; none of the services leadflow calls
 * (DynamoDB, EventBridge, SES, SQS, Scheduler, Secrets Manager) has one. Bundled, it is 15 KB.
 */
const unsupported = (): never => {
  throw new Error('leadflow function bundles leave out AWS SDK event streams: no operation they call uses one (infra/function-bundling.ts)');
};

export const eventStreamSerdeProvider = unsupported;

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}
