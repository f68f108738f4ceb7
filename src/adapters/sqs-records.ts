import { BatchProcessor, EventType, ParsingError, processPartialResponse, type ParsedRecord } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { describeError } from '../domain/errors';

/**
 * A record body: JSON text, then checked with `schema`. Powertools' own JSON helper puts the start of
 * text that is not JSON into its error, and errors are logged: here the issue says only that it is not
 * JSON, as the body may hold personal data.
 */
const jsonBody = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(z.pipe(z
    .string(), z.transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.issues.push({ input: context.value, code: 'custom', message: 'the record body is not JSON' });
        return z.NEVER;
      }
    })), schema);

/**
 * An SQS record with its body parsed by the consumer's schema; the other fields are kept as Lambda
 * gave them. Not Powertools' own `SqsRecordSchema`: it imports zod as one object, which puts all 64
 * of zod's locales into every consumer's bundle.
 */
const sqsRecordSchemaOf = <S extends z.ZodMiniType>(schema: S) => z.looseObject({ messageId: z.string(), body: jsonBody(schema) });

/**
 * Each consumer's record schema, built once per cold start: a consumer passes the same body schema
 * to every invocation, and building it again for each record or batch cost as much as parsing.
 */
const recordSchemas = new WeakMap<z.ZodMiniType, ReturnType<typeof sqsRecordSchemaOf>>();
const sqsRecordOf = <S extends z.ZodMiniType>(schema: S) => {
  const known = recordSchemas.get(schema);
  if (known) return known;
  const built = sqsRecordSchemaOf(schema);
  recordSchemas.set(schema, built);
  return built;
};

/**
 * `record` with its body parsed by `schema`, or a ParsingError naming each path at fault (never the
 * value), as Powertools' parser integration reports it. Parsed here rather than by that integration:
 * it imports its parser with a dynamic `import()` for every record, which a bundle answers at once but
 * a runtime resolving modules (the local stack's, through tsx's loader thread) answers for each record.
 */
function parsedRecord<S extends z.ZodMiniType>(schema: S, record: SQSRecord, logger: Logger): ParsedRecordOf<S> {
  const result = sqsRecordOf(schema).safeParse(record);
  if (result.success) return result.data as ParsedRecordOf<S>;
  const errorMessage = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  logger.debug(`Failed to parse record: ${errorMessage}`);
  throw new ParsingError(errorMessage);
}

/** An SQS record whose JSON body the consumer's schema has parsed (Powertools' parser integration). */
export type ParsedRecordOf<S extends z.ZodMiniType> = ParsedRecord<SQSRecord, z.output<S>>;

type RecordHandler<R> = (record: R) => Promise<void>;

/**
 * Wraps a record handler so each failure is logged with the message id and receive count (never the
 * body, which may hold personal data) before the batch processor reports it for retry.
 */
const logFailures =
  <R extends Pick<SQSRecord, 'messageId' | 'attributes'>>(logger: Logger, handle: RecordHandler<R>) =>
  async (record: R): Promise<void> => {
    try {
      await handle(record);
    } catch (error) {
      logger.warn('Record failed; it is retried and, after the last receive, moved to the DLQ', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: describeError(error),
      });
      throw error;
    }
  };

const partialBatchResponse = (event: SQSEvent, context: Context, handle: RecordHandler<SQSRecord>) =>
  processPartialResponse(event, handle, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });

/**
 * Handles each record of an SQS batch and answers which failed (a partial batch response), logging
 * each failure. The processor is made per invocation: Powertools' BatchProcessor keeps the batch's
 * failures on itself, so one shared by overlapping invocations (the local runtime's pollers share a
 * module) would answer a batch with another's failures, or none, and lose records.
 */
export const processSqsBatch = (event: SQSEvent, context: Context, logger: Logger, handle: RecordHandler<SQSRecord>) =>
  partialBatchResponse(event, context, logFailures(logger, handle));

/**
 * As `processSqsBatch`, with each record's JSON body parsed by `schema` before `handle` sees it. A body
 * that is not JSON or does not fit fails that record alone; the failure names the path at fault, never
 * the value.
 */
export const processParsedSqsBatch = <S extends z.ZodMiniType>(event: SQSEvent, context: Context, logger: Logger, schema: S, handle: RecordHandler<ParsedRecordOf<S>>) => {
  const handleParsed = logFailures(logger, handle);
  // A record that does not parse fails alone, before its handler, and is not logged as a handler failure.
  return partialBatchResponse(event, context, async (record) => handleParsed(parsedRecord(schema, record, logger)));
};

/**
 * Whether `record` comes for the last time before its queue moves it to its DLQ: its receive count has
 * reached the queue's `maxReceiveCount` (the manifest's, which the consumer states).
 */
export const isLastDelivery = (record: Pick<SQSRecord, 'attributes'>, maxReceiveCount: number): boolean => Number(record.attributes.ApproximateReceiveCount) >= maxReceiveCount;

/** One record with its body parsed, for a consumer that reads a whole batch before handling it (scoring groups by lead). */
export const parseRecord = <S extends z.ZodMiniType>(schema: S, record: SQSRecord): ParsedRecordOf<S> =>
  sqsRecordOf(schema).parse(record) as ParsedRecordOf<S>;
