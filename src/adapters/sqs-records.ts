import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';

/**
 * SQS records whose body a consumer declares with a schema and receives parsed, the shape Powertools'
 * batch parser integration gives (`ParsedRecord<SqsRecord, T>`). That integration loads the separate
 * `@aws-lambda-powertools/parser` package at run time, which leadflow does not depend on; this is the
 * same contract over zod alone.
 */

/** An SQS record with its body parsed by the consumer's schema. */
export type ParsedSqsRecord<Body> = Omit<SQSRecord, 'body'> & { readonly body: Body };

/** The record a handler of `schema`'s bodies receives. */
export type ParsedRecordOf<S extends z.ZodType> = ParsedSqsRecord<z.output<S>>;

/** A record body: JSON text, then checked with `schema`. Text that is not JSON is an issue, never echoed (it may hold personal data). */
export const jsonBody = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'the record body is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** The record with its body parsed; throws a ZodError naming the path at fault. */
export const parseRecord = <S extends z.ZodType>(schema: S, record: SQSRecord): ParsedRecordOf<S> => ({ ...record, body: jsonBody(schema).parse(record.body) });

/**
 * A handler of raw SQS records (for processSqsBatch) around one of parsed records. The body is parsed
 * inside the record's own processing, so a malformed record fails alone and is reported in the partial
 * batch response while the others go on.
 */
export const parsedRecords = <S extends z.ZodType>(schema: S, handle: (record: ParsedRecordOf<S>) => Promise<void>) => {
  const body = jsonBody(schema);
  return async (record: SQSRecord): Promise<void> => handle({ ...record, body: body.parse(record.body) });
};
