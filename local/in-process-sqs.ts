import type {
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityBatchResult,
  CreateQueueRequest,
  CreateQueueResult,
  DeleteMessageBatchRequest,
  DeleteMessageBatchResult,
  GetQueueAttributesRequest,
  GetQueueAttributesResult,
  ReceiveMessageRequest,
  ReceiveMessageResult,
  SendMessageBatchRequest,
  SendMessageBatchResult,
  SendMessageRequest,
  SendMessageResult,
} from '@aws-sdk/client-sqs';
import type { buildApp } from 'fauxqs';
import * as z from 'zod';

/** fauxqs's server: a Fastify instance, whose `inject` runs a request through its routes without a socket. */
export type FauxqsApp = ReturnType<typeof buildApp>;

/**
 * What the stack itself asks of SQS: its queues made at start, the bus's and the journal's sends, the
 * pollers' receives, deletes and visibility changes. Requests and answers are SQS's own (the SDK's
 * types, which are the JSON protocol's), so what fauxqs does with them is what it does for any client.
 */
export interface StackQueues {
  createQueue(input: CreateQueueRequest): Promise<CreateQueueResult>;
  getQueueAttributes(input: GetQueueAttributesRequest): Promise<GetQueueAttributesResult>;
  sendMessage(input: SendMessageRequest): Promise<SendMessageResult>;
  sendMessageBatch(input: SendMessageBatchRequest): Promise<SendMessageBatchResult>;
  /** A long poll ends at once, rejected with an AbortError, when `abortSignal` aborts (a poller stopping). */
  receiveMessage(input: ReceiveMessageRequest, abortSignal?: AbortSignal): Promise<ReceiveMessageResult>;
  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult>;
  changeMessageVisibilityBatch(input: ChangeMessageVisibilityBatchRequest): Promise<ChangeMessageVisibilityBatchResult>;
}

/** Marks the stack's own calls, which the watch on what functions do with their records leaves out. */
const STACK_CALL_HEADER = 'x-leadflow-stack-call';

const abortError = () => Object.assign(new Error('Request aborted'), { name: 'AbortError' });

/** SQS's JSON error (`{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": …}`) as an Error named by its code, as the SDK names its exceptions. */
function sqsError(statusCode: number, payload: string): Error {
  let answer: { __type?: unknown; message?: unknown } = {};
  try {
    answer = JSON.parse(payload) as typeof answer;
  } catch {
    // Not JSON: the status says what there is to say.
  }
  const code = typeof answer.__type === 'string' ? (answer.__type.split('#').pop() ?? answer.__type) : 'SQSError';
  const message = typeof answer.message === 'string' ? answer.message : `SQS answered ${statusCode}`;
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: statusCode } });
}

/**
 * The stack's queues in fauxqs in this process: each call is SQS's JSON protocol (AWS JSON 1.0, the
 * protocol the SDK speaks to SQS) handed to fauxqs's routes with Fastify's `inject`, so queues behave as
 * for any client (visibility timeouts, long polls, redrive to the DLQ, batches). Neither a socket nor
 * the SDK's client: its middleware (serialization through the operation's schema, endpoint rules,
 * retries, user agent, signing, MD5s) was about two fifths of the stack's main thread at full load
 * (docs/performance.md, "Eighth round"), and nothing of it guards a call that never leaves the process.
 * Functions, in their worker threads, still reach fauxqs over HTTP with the SDK, as they reach AWS.
 */
export function inProcessQueues(app: FauxqsApp): StackQueues {
  const call = async <Result>(operation: string, input: object, signal?: AbortSignal): Promise<Result> => {
    if (signal?.aborted) throw abortError();
    const answered = app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}`, [STACK_CALL_HEADER]: '1' },
      payload: JSON.stringify(input),
    });
    // Its outcome matters only while the caller waits for it.
    answered.catch(() => undefined);
    // A long poll the caller gave up on (a poller stopping) is left to end in fauxqs on its own, as one
    // whose connection closed is: a message it takes then comes back after its visibility timeout.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const reply = await (signal ? Promise.race([answered, aborted]).finally(() => signal.removeEventListener('abort', onAbort)) : answered);
    if (reply.statusCode >= 300) throw sqsError(reply.statusCode, reply.payload);
    return (reply.payload ? JSON.parse(reply.payload) : {}) as Result;
  };
  return {
    createQueue: (input) => call('CreateQueue', input),
    getQueueAttributes: (input) => call('GetQueueAttributes', input),
    sendMessage: (input) => call('SendMessage', input),
    sendMessageBatch: (input) => call('SendMessageBatch', input),
    receiveMessage: (input, abortSignal) => call('ReceiveMessage', input, abortSignal),
    deleteMessageBatch: (input) => call('DeleteMessageBatch', input),
    changeMessageVisibilityBatch: (input) => call('ChangeMessageVisibilityBatch', input),
  };
}

/**
 * Receipt handles whose visibility a function changed itself: a handler postponing a record's retry
 * (src/adapters/redelivery.ts) before it reports the record failed. The poller gives a failed record
 * the queue's short local timeout only when its function did not, so a postponement keeps its length.
 */
export interface VisibilityChangesByFunctions {
  /** Which of `receiptHandles` a function changed the visibility of; all of them are forgotten here. */
  take(receiptHandles: readonly string[]): Set<string>;
}

const CHANGE_VISIBILITY_TARGETS = new Set(['AmazonSQS.ChangeMessageVisibility', 'AmazonSQS.ChangeMessageVisibilityBatch']);
const VisibilityChange = z.object({ ReceiptHandle: z.string().optional(), Entries: z.array(z.object({ ReceiptHandle: z.string() })).optional() });

/**
 * Watches the visibility changes functions ask fauxqs for over HTTP, as parsed by its routes; the
 * stack's own calls are left out. Each handle is kept until its poller asks after its invocation.
 */
export function watchVisibilityChanges(app: FauxqsApp): VisibilityChangesByFunctions {
  const changed = new Set<string>();
  app.addHook('preHandler', (request: { readonly headers: Readonly<Record<string, unknown>>; readonly body: unknown }, _reply: unknown, done: () => void) => {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string' && CHANGE_VISIBILITY_TARGETS.has(target) && request.headers[STACK_CALL_HEADER] === undefined) {
      const change = VisibilityChange.safeParse(request.body);
      if (change.success) {
        if (change.data.ReceiptHandle) changed.add(change.data.ReceiptHandle);
        for (const entry of change.data.Entries ?? []) changed.add(entry.ReceiptHandle);
      }
    }
    done();
  });
  return {
    take(receiptHandles) {
      const found = new Set(receiptHandles.filter((handle) => changed.has(handle)));
      for (const handle of receiptHandles) changed.delete(handle);
      return found;
    },
  };
}
