import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { BusEventMetadata, leadflowBusEvent } from '../../src/adapters/bus-events';
import { parseRecord, processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { DetailType, FollowUpDueDetail, LeadIdentifiedDetail } from '../../src/domain/events';

const sqsRecord = (body: string, index = 0): SQSRecord => ({
  messageId: `message-${index}`,
  receiptHandle: `receipt-${index}`,
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'sender', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
  awsRegion: 'us-east-1',
});

const busEnvelope = (detailType: string, detail: unknown) =>
  JSON.stringify({ version: '0', id: 'bus-1', 'detail-type': detailType, source: 'leadflow', account: '1', time: '2026-11-30T10:00:00Z', region: 'us-east-1', resources: [], detail });

const identified = { version: 1, correlationId: 'c-1', leadId: 'lead-1', anonymousId: 'anon-1' };
const followUpDue = { version: 1, correlationId: 'c-2', leadId: 'lead-2', rulesetVersion: 'v1', qualification: 1, repId: 'rep-1', kind: 'remind' };

describe('parsed SQS records', () => {
  const Scored = leadflowBusEvent({ [DetailType.LeadIdentified]: LeadIdentifiedDetail, [DetailType.FollowUpDue]: FollowUpDueDetail });

  it('gives the handler the body parsed with its declared schema, defaults applied', () => {
    const record = parseRecord(Scored, sqsRecord(busEnvelope(DetailType.FollowUpDue, followUpDue)));
    expect(record.body).toEqual({ 'detail-type': DetailType.FollowUpDue, detail: { ...followUpDue, round: 0 } });
    expect(record.messageId).toBe('message-0');
  });

  it('keeps the EventBridge fields a schema asks for', () => {
    const WithMetadata = z.intersection(BusEventMetadata, leadflowBusEvent({ [DetailType.LeadIdentified]: LeadIdentifiedDetail }));
    expect(parseRecord(WithMetadata, sqsRecord(busEnvelope(DetailType.LeadIdentified, identified))).body).toMatchObject({ id: 'bus-1', time: '2026-11-30T10:00:00Z' });
  });

  it('refuses a body that is not JSON without echoing it, and an event of a type the schema does not take', () => {
    const notJson = () => parseRecord(Scored, sqsRecord('jane@example.com is not json'));
    expect(notJson).toThrow('the record body is not JSON');
    expect(notJson).not.toThrow('jane');
    expect(() => parseRecord(Scored, sqsRecord(busEnvelope(DetailType.LeadQualified, identified)))).toThrow(/detail-type/);
    expect(() => parseRecord(Scored, sqsRecord(busEnvelope(DetailType.LeadIdentified, { ...identified, leadId: '' })))).toThrow(/leadId/);
  });

  it('fails only the malformed records of a batch (partial batch response)', async () => {
    const handled: ParsedRecordOf<typeof Scored>[] = [];
    const event: SQSEvent = {
      Records: [
        sqsRecord(busEnvelope(DetailType.LeadIdentified, identified), 0),
        sqsRecord('not json', 1),
        sqsRecord(busEnvelope(DetailType.LeadIdentified, { ...identified, anonymousId: 7 }), 2),
        sqsRecord(busEnvelope(DetailType.FollowUpDue, followUpDue), 3),
      ],
    };
    const logger = new Logger({ logLevel: 'SILENT' });
    const response = await processParsedSqsBatch(event, {} as Context, logger, Scored, async (record) => void handled.push(record));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }, { itemIdentifier: 'message-2' }]);
    expect(handled.map((record) => [record.messageId, record.body['detail-type']])).toEqual([
      ['message-0', DetailType.LeadIdentified],
      ['message-3', DetailType.FollowUpDue],
    ]);
  });
});
