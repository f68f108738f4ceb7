import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type DomainEvent } from '../domain/events';

/** Some entries could not be put after every retry; the caller must not report success. */
export class PublishError extends Error {
  constructor(readonly failures: readonly { detailType: string; errorCode: string }[]) {
    super(`${failures.length} event(s) not published: ${[...new Set(failures.map((failure) => failure.errorCode))].join(', ')}`);
    this.name = 'PublishError';
  }
}

const ENTRIES_PER_CALL = 10;

/** Puts domain events on the EventBridge bus. */
export class EventBridgePublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: { attempts: number; backoffMs: number } = { attempts: 3, backoffMs: 100 },
  ) {}

  /**
   * PutEvents can answer 200 while failing some entries (`FailedEntryCount`); those entries are
   * retried with backoff and, if they still fail, the whole publish fails rather than losing them.
   */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      EventBusName: this.busName,
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    }));
    for (let start = 0; start < entries.length; start += ENTRIES_PER_CALL) {
      await this.putWithRetries(entries.slice(start, start + ENTRIES_PER_CALL));
    }
  }

  private async putWithRetries(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    let failures: { detailType: string; errorCode: string }[] = [];
    for (let attempt = 1; attempt <= this.options.attempts; attempt += 1) {
      const result = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!result.FailedEntryCount) return;
      const results = result.Entries ?? [];
      const failedIndexes = pending.map((_, index) => index).filter((index) => results[index]?.ErrorCode !== undefined || results[index] === undefined);
      failures = failedIndexes.map((index) => ({
        detailType: pending[index]?.DetailType ?? 'unknown',
        errorCode: results[index]?.ErrorCode ?? 'Unknown',
      }));
      pending = failedIndexes.map((index) => pending[index]).filter((entry) => entry !== undefined);
      if (attempt < this.options.attempts) await sleep(this.options.backoffMs * 2 ** (attempt - 1));
    }
    throw new PublishError(failures);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
