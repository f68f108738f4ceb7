import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackQueues } from '../../local/in-process-sqs';
import { freePort, type RunningSqs, startSqs } from '../../local/services';

/**
 * The stack's own queue calls (its queues at start, the bus, the pollers) reach fauxqs in process, in
 * SQS's JSON protocol without a socket or the SDK's client. What the stack relies on must hold as for
 * an SDK client over HTTP: the same queues, message attributes, receive counts and visibility
 * timeouts, redrive to the DLQ, SQS's errors, and a long poll that a stopping poller aborts ends at
 * once instead of after its 20 s.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let sqsService: RunningSqs;
let inProcess: StackQueues;
let overHttp: SQSClient;

beforeAll(async () => {
  sqsService = await startSqs(await freePort());
  inProcess = sqsService.queues;
  overHttp = new SQSClient({ endpoint: sqsService.endpoint, region: 'us-east-1', credentials, useQueueUrlAsEndpoint: false, maxAttempts: 1 });
});

afterAll(async () => {
  overHttp?.destroy();
  await sqsService?.stop();
});

async function queuePair(name: string): Promise<{ url: string; dlqUrl: string }> {
  const { QueueUrl: dlqUrl = '' } = await overHttp.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const { Attributes } = await overHttp.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const { QueueUrl: url = '' } = await overHttp.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }) },
    }),
  );
  return { url, dlqUrl };
}

describe("the stack's in-process queue calls", () => {
  it('make queues HTTP clients see and send and receive on them, with attributes, receive counts and deletes', async () => {
    const { QueueUrl: dlqUrl = '' } = await inProcess.createQueue({ QueueName: 'made-dlq' });
    const { Attributes } = await inProcess.getQueueAttributes({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] });
    expect(Attributes?.QueueArn).toMatch(/:made-dlq$/);
    const { QueueUrl: url = '' } = await inProcess.createQueue({ QueueName: 'made', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 3 }) } });
    expect((await overHttp.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }))).Attributes?.RedrivePolicy).toContain('made-dlq');
    await inProcess.sendMessage({ QueueUrl: url, MessageBody: 'one', MessageAttributes: { journalId: { DataType: 'String', StringValue: 'j-one' } } });
    expect((await overHttp.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['journalId'] }))).Messages?.map((message) => [message.Body, message.MessageAttributes?.journalId?.StringValue])).toEqual([['one', 'j-one']]);
  });

  it('send and receive on the queues HTTP clients see, with attributes, receive counts and deletes', async () => {
    const { url } = await queuePair('shared');
    await inProcess.sendMessageBatch({
      QueueUrl: url,
      Entries: ['é', 'b'].map((body, index) => ({ Id: String(index), MessageBody: `{"body":"${body}"}`, MessageAttributes: { journalId: { DataType: 'String', StringValue: `j-${body}` } } })),
    });
    const { Messages = [] } = await overHttp.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['journalId'], MessageSystemAttributeNames: ['All'] }));
    expect(Messages.map((message) => [message.Body, message.MessageAttributes?.journalId?.StringValue, message.Attributes?.ApproximateReceiveCount]).sort()).toEqual([
      ['{"body":"b"}', 'j-b', '1'],
      ['{"body":"é"}', 'j-é', '1'],
    ]);
    const { Successful = [] } = await inProcess.deleteMessageBatch({ QueueUrl: url, Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })) });
    expect(Successful).toHaveLength(2);
    expect((await overHttp.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }))).Messages ?? []).toEqual([]);
  });

  it('keeps visibility timeouts and moves a message to its DLQ after maxReceiveCount receives', async () => {
    const { url, dlqUrl } = await queuePair('redriven');
    await overHttp.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'fails' }] }));
    const receive = () => inProcess.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] });
    const first = await receive();
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    // Hidden for the visibility timeout, then back with its second receive.
    expect((await inProcess.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 0 })).Messages ?? []).toEqual([]);
    const second = await receive();
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    // Past maxReceiveCount: the queue's next receive moves it to the DLQ instead of answering it.
    expect((await inProcess.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 2 })).Messages ?? []).toEqual([]);
    const onDlq = await inProcess.receiveMessage({ QueueUrl: dlqUrl, WaitTimeSeconds: 5 });
    expect(onDlq.Messages?.map((message) => message.Body)).toEqual(['fails']);
  });

  it("fail with SQS's errors, named as the SDK names its exceptions", async () => {
    const missing = `${sqsService.endpoint}/000000000000/no-such-queue`;
    await expect(inProcess.receiveMessage({ QueueUrl: missing, WaitTimeSeconds: 0 })).rejects.toMatchObject({ name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });

  it('ends a long poll at once when its caller aborts it', async () => {
    const { url } = await queuePair('aborted');
    const abort = new AbortController();
    const started = Date.now();
    const polling = inProcess.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }, abort.signal);
    setTimeout(() => abort.abort(), 100);
    await expect(polling).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
