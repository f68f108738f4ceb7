import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * What a caller reads when a field is refused. zod's own texts ("Invalid input: expected string,
 * received number") are replaced by ones that say what the field must be; a schema's own message
 * (`error: ...`) still wins. Installed once for every schema of the process, when the HTTP layer loads.
 */

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  null: 'null',
  record: 'an object',
  tuple: 'a list',
  literal: 'a fixed value',
};

const UNITS: Readonly<Record<string, string>> = { string: ' characters', array: ' items', set: ' items', file: ' bytes' };

const FORMATS: Readonly<Record<string, string>> = {
  email: 'an email address such as jane@example.com',
  url: 'an absolute https URL',
  uuid: 'a UUID',
  datetime: 'an ISO 8601 date-time such as 2026-11-22T10:00:00Z',
  date: 'a date such as 2026-11-22',
  time: 'a time such as 10:00:00',
};

const quoted = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).join(', ');

/** The message for one zod issue, or undefined to keep zod's. */
export function fieldMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_big': {
      const unit = UNITS[issue.origin] ?? '';
      return issue.inclusive === false ? `must be less than ${issue.maximum}${unit}` : `must be at most ${issue.maximum}${unit}`;
    }
    case 'too_small': {
      const unit = UNITS[issue.origin] ?? '';
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return issue.inclusive === false ? `must be more than ${issue.minimum}${unit}` : `must be at least ${issue.minimum}${unit}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex') return `must match ${String((issue as { pattern?: RegExp }).pattern ?? 'the expected format')}`;
      return `must be ${FORMATS[issue.format] ?? `in ${issue.format} format`}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoted(issue.values)}` : `must be one of ${quoted(issue.values)}`;
    case 'invalid_union':
      return 'is not any of the accepted forms';
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

// zod mini registers no locale of its own (classic zod registers English on its first schema): English for the codes above leaves to zod.
z.config({ ...en(), customError: fieldMessage });
