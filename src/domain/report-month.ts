import * as z from 'zod/mini';

/**
 * A report's month as a request names it, yyyy-mm (UTC), from 1970-01 on: no record is older, and the
 * months' arithmetic (Date.UTC) reads a year before 100 as one of the 1900s and writes one before 1000
 * without its leading zeros, which no later step could read (a 500 for `to=0127-12`).
 */
export const ReportMonth = z.string().check(z.regex(/^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/, 'must be a month as yyyy-mm, from 1970-01 on'));
