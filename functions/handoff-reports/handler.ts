import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { readConfig, setting } from '../../src/config';
import { addMonths, CONVERSION_FOLLOW_MONTHS, handoffReport, MAX_REPORT_MONTHS, monthsBefore, monthsBetween } from '../../src/domain/handoff/report';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { handoffReportsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const lifecycle = new LifecycleStore(documentClient(), config.TABLE_NAME);

/** Months shown when the request names no start. */
const DEFAULT_MONTHS = 6;

const getHandoffReport: Implementation<(typeof handoffReportsRoutes)[number]> = async ({ query }) => {
  const now = new Date().toISOString();
  const thisMonth = now.slice(0, 7);
  const to = query.to ?? thisMonth;
  const from = query.from ?? monthsBefore(to, DEFAULT_MONTHS);
  if (from > to) throw new HttpError(400, 'Invalid request: from must not be after to', [{ field: 'from', message: 'must not be after to' }]);
  const months = monthsBetween(from, to);
  if (months.length > MAX_REPORT_MONTHS) {
    throw new HttpError(400, `Invalid request: from must be at most ${MAX_REPORT_MONTHS} months before to`, [{ field: 'from', message: `must be at most ${MAX_REPORT_MONTHS} months before to` }]);
  }
  // The window's cohorts convert later too: read on past `to`, up to now or the follow-up limit.
  const followedUntil = [thisMonth, addMonths(to, CONVERSION_FOLLOW_MONTHS)].sort()[0] as string;
  const readMonths = monthsBetween(from, followedUntil < to ? to : followedUntil);
  const transitions = (await Promise.all(readMonths.map((month) => lifecycle.transitionsInMonth(month)))).flat();
  logger.info('Handoff report', { from, to, months: readMonths.length, transitions: transitions.length });
  return json(200, handoffReport(transitions, months, now));
};

export const handler = routesHandler({ logger, unavailable: throttlingRefusal }, handoffReportsRoutes, { getHandoffReport });
