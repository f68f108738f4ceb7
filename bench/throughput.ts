/**
 * The throughput section of `npm run bench`: ingest -> score on the local stack, in phases.
 *
 * 1. Leads: `leads` form submissions, `concurrency` at a time, and everything they set off.
 * 2. Paced: engagement events at a fixed `pacedEventsPerSecond` for `pacedSeconds`, in requests of
 *    `eventsPerRequest` events for one lead, each request sent on time whether or not the last one answered.
 * 3. Full load: one such request per lead, `concurrency` at a time, as fast as the stack takes them.
 * 4. Interleaved: as many new leads, `concurrency` at a time, each a form then one such request: the
 *    workload and the measure of 13a7431's bench, which issue 15's "3x events a second" is set against.
 * 5. Returning: one more such request for each lead of phase 1, `concurrency` at a time, once everything
 *    before has settled. In the default mix each has qualified by then, and most leads of a database in
 *    use have qualified already or never will: engagement in steady state, no qualification in it.
 *
 * Latency is accept-to-score as score-lead itself reports it (its ScoreLatency metric, which the
 * stack collects from the function's EMF output), so nothing here depends on how events are stored.
 * DynamoDB capacity is what DynamoDB reported for every call of every function, all indexes included,
 * counted from after the leads exist: phases 2 and 3 are engagement with every lead's qualification in
 * it (the default mix), phase 5 engagement once the qualifications are behind.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityBetween } from '../local/consumed-capacity';
import { startLocalStack } from '../local/stack';
import { manifest } from '../manifest/manifest';
import { PipelineMetric } from '../manifest/metrics';
import { inBatches, percentile } from './batches';
import { ON_DEMAND_DOLLARS_PER_MILLION, PHASE_DEADLINE_MS, settled, summedUnits, totalCalls, untimed } from './capacity';
import { cpuMeter } from './cpu';

const MAX_ATTEMPTS = 3;
/** The functions every engagement event passes through, from its request to its score. */
const SCORING_PATH = manifest.functions.filter((fn) => fn.latencyPath === 'scoring').map((fn) => fn.name);
/** A lead the starter ruleset qualifies within a few requests, and one it never does (grade F, no fit). */
const QUALIFYING_PROFILE = { role: 'VP Sales', industry: 'SaaS', budget: 20_000 };
const NEVER_QUALIFYING_PROFILE = { role: 'Intern', industry: 'Retail', budget: 100 };

export interface ThroughputOptions {
  readonly leads: number;
  readonly eventsPerRequest: number;
  readonly concurrency: number;
  readonly pacedEventsPerSecond: number;
  readonly pacedSeconds: number;
  /** The bench's clients all send from 127.0.0.1: the per-client limit is raised so it does not measure that. */
  readonly perClientLimit: { ratePerSecond: number; burst: number };
  /** false: the leads are ones the ruleset never qualifies, so the figures are those of engagement alone. */
  readonly qualifyingLeads: boolean;
}

interface Lead {
  readonly email: string;
  readonly index: number;
}

/** Records handed to each queue consumer between two readings of `measurements.deliveries()`. */
const deliveriesBetween = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)]));
const totalOf = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
/** `<prefix>.<function>.writeUnits` and `.readUnits`, each as `per` makes it, for every function that consumed any. */
const unitsByFunction = (prefix: string, units: ReturnType<typeof summedUnits>, per: (value: number) => number) =>
  Object.fromEntries(
    units.byFunction
      .filter((fn) => fn.writeUnits > 0 || fn.readUnits > 0)
      .flatMap((fn) => [
        [`${prefix}.${fn.name}.writeUnits`, per(fn.writeUnits)],
        [`${prefix}.${fn.name}.readUnits`, per(fn.readUnits)],
      ]),
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export async function ingestToScore(options: ThroughputOptions): Promise<Record<string, number | string>> {
  // On disk, as `npm start` runs: the table, the queue journal and the schedules in a data folder.
  const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-bench-data-'));
  const stack = await startLocalStack({ log: () => {}, perClientLimit: options.perClientLimit, dataDir, measureCapacity: true });
  const scoreLatencies: number[] = [];
  /** When each score of `scoreLatencies` was reported. */
  const scoredAt: number[] = [];
  let alertsSent = 0;
  const stopListening = stack.measurements.onMetrics((functionName, metrics) => {
    for (const metric of metrics) {
      if (functionName === 'score-lead' && metric.name === PipelineMetric.ScoreLatency) {
        scoreLatencies.push(...metric.values);
        scoredAt.push(...metric.values.map(() => Date.now()));
      }
      if (functionName === 'alert-sales' && metric.name === PipelineMetric.MqlAlertLatency) alertsSent += metric.values.length;
    }
  });
  try {
    let serverErrors = 0;
    let requestsRefused = 0;
    // As the tracking snippet does: a request answered 5xx is sent again, up to MAX_ATTEMPTS times. On
    // a machine loaded enough for a function to reach its timeout these happen: each is counted, and a
    // request refused every time is left out of what the phase waits for and divides by.
    const post = async (path: string, body: unknown): Promise<boolean> => {
      for (let attempt = 1; ; attempt += 1) {
        const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (response.status === 202) return true;
        const text = await response.text();
        if (response.status < 500) throw new Error(`${path} answered ${response.status}: ${text}`);
        serverErrors += 1;
        if (attempt === MAX_ATTEMPTS) {
          requestsRefused += 1;
          return false;
        }
      }
    };
    const profile = options.qualifyingLeads ? QUALIFYING_PROFILE : NEVER_QUALIFYING_PROFILE;
    const submitForm = ({ email, index }: Lead) => post('/v1/forms/bench/submissions', { email, ...profile, teamSize: options.qualifyingLeads ? 100 + index : 2 });
    /** The number of events the stack accepted. */
    const sendEvents = async ({ email }: Lead) =>
      (await post('/v1/events', {
        events: Array.from({ length: options.eventsPerRequest }, (_, n) => ({
          // A UUID, as the tracking snippet (web/leadflow-js) makes each event's id.
          id: randomUUID(),
          type: n % 2 ? 'page_view' : 'content_download',
          occurredAt: new Date().toISOString(),
          email,
          properties: n % 2 ? { url: `https://example.com/${n % 4 === 1 ? 'pricing' : 'demo'}`, secondsOnPage: 150 } : { contentId: `guide-${n}` },
        })),
      }))
        ? options.eventsPerRequest
        : 0;
    /** Waits until score-lead has reported `count` more scores than `from`; returns when the last came. */
    const scored = async (from: number, count: number) => {
      const deadline = Date.now() + PHASE_DEADLINE_MS;
      while (scoreLatencies.length < from + count) {
        if (Date.now() > deadline) throw new Error(`${from + count - scoreLatencies.length} of ${count} events were not scored within ${PHASE_DEADLINE_MS / 1000} s`);
        await sleep(20);
      }
      return Date.now();
    };
    const latencyOf = (from: number) => scoreLatencies.slice(from).sort((a, b) => a - b);

    const leads = Array.from({ length: options.leads }, (_, index) => ({ index, email: `bench-${index}-${randomUUID().slice(0, 8)}@example.com` }));
    // Warm-up: every function on the path loaded (a cold start is not steady state).
    const warmUp = { index: -1, email: `bench-warm-up-${randomUUID().slice(0, 8)}@example.com` };
    await submitForm(warmUp);
    await settled(stack);
    const warmFrom = scoreLatencies.length;
    await scored(warmFrom, await sendEvents(warmUp));
    await settled(stack);
    const afterWarmUp = stack.measurements.capacity();
    const deliveriesAfterWarmUp = stack.measurements.deliveries();

    // 1. Leads.
    const scoresBeforeLeads = scoreLatencies.length;
    const leadsStarted = Date.now();
    await inBatches(leads, options.concurrency, async (lead) => {
      await submitForm(lead);
    });
    const leadsAccepted = Date.now();
    await settled(stack);
    // What a form sets off is scored too (its own event), so a phase mixing forms and events waits for those.
    const scoresPerForm = Math.round((scoreLatencies.length - scoresBeforeLeads) / options.leads);
    const afterLeads = stack.measurements.capacity();
    const deliveriesAfterLeads = stack.measurements.deliveries();
    const alertsBeforeEvents = alertsSent;

    // 2. Paced.
    const pacedRequests = Math.round((options.pacedEventsPerSecond * options.pacedSeconds) / options.eventsPerRequest);
    const intervalMs = (1000 * options.eventsPerRequest) / options.pacedEventsPerSecond;
    const pacedFrom = scoreLatencies.length;
    const pacedStarted = Date.now();
    let pacedEvents = 0;
    await Promise.all(
      Array.from({ length: pacedRequests }, async (_, n) => {
        await sleep(pacedStarted + n * intervalMs - Date.now());
        const accepted = await sendEvents(leads[n % leads.length] as Lead);
        pacedEvents += accepted;
      }),
    );
    await scored(pacedFrom, pacedEvents);
    const paced = latencyOf(pacedFrom);
    await settled(stack);

    // 3. Full load.
    const fullFrom = scoreLatencies.length;
    const fullStarted = Date.now();
    const cpuOfFullLoad = cpuMeter(stack.dynamodbPid);
    let fullLoadEvents = 0;
    await inBatches(leads, options.concurrency, async (lead) => {
      const accepted = await sendEvents(lead);
      fullLoadEvents += accepted;
    });
    const fullAccepted = Date.now();
    const fullScored = await scored(fullFrom, fullLoadEvents);
    const scoredWhileAccepting = scoredAt.slice(fullFrom).filter((at) => at <= fullAccepted).length;
    const fullLoadCpu = cpuOfFullLoad();
    const full = latencyOf(fullFrom);
    const fullSettled = await settled(stack);
    const afterEventPhases = stack.measurements.capacity();
    const deliveriesAfterEventPhases = stack.measurements.deliveries();
    const alertsAfterEventPhases = alertsSent;

    // 4. Interleaved, as the bench of 13a7431 (issue 15's baseline) ran and measured it: new leads,
    // `concurrency` at a time, each a form then one request of events; the events divided by the time
    // from the first form to the last score. A form's own scores are waited for too, not counted.
    const interleavedLeads = leads.map(({ index }) => ({ index, email: `bench-interleaved-${index}-${randomUUID().slice(0, 8)}@example.com` }));
    const interleavedFrom = scoreLatencies.length;
    const interleavedStarted = Date.now();
    const cpuOfInterleaved = cpuMeter(stack.dynamodbPid);
    let interleavedForms = 0;
    let interleavedEvents = 0;
    await inBatches(interleavedLeads, options.concurrency, async (lead) => {
      const formAccepted = await submitForm(lead);
      const accepted = await sendEvents(lead);
      if (formAccepted) interleavedForms += 1;
      interleavedEvents += accepted;
    });
    const interleavedScored = await scored(interleavedFrom, interleavedEvents + interleavedForms * scoresPerForm);
    const interleavedCpu = cpuOfInterleaved();
    const interleavedSettled = await settled(stack);
    // What phase 4's work was made of, its forms' included: the table calls and deliveries a CPU per event is spent on.
    const interleavedCalls = untimed(capacityBetween(afterEventPhases, stack.measurements.capacity()));
    const interleavedDeliveries = deliveriesBetween(deliveriesAfterEventPhases, stack.measurements.deliveries());
    const perInterleavedLead = (value: number) => round(value / interleavedLeads.length, 2);
    const afterInterleaved = stack.measurements.capacity();
    const alertsAfterInterleaved = alertsSent;

    // 5. Returning: the leads of phase 1 engage again, their qualifications behind them.
    const returningFrom = scoreLatencies.length;
    let returningEvents = 0;
    await inBatches(leads, options.concurrency, async (lead) => {
      const accepted = await sendEvents(lead);
      returningEvents += accepted;
    });
    await scored(returningFrom, returningEvents);
    await settled(stack);
    const returning = summedUnits(untimed(capacityBetween(afterInterleaved, stack.measurements.capacity())));
    const perReturningEvent = (value: number) => round(value / returningEvents, 3);

    const events = pacedEvents + fullLoadEvents;
    const steady = summedUnits(untimed(capacityBetween(afterLeads, afterEventPhases)));
    const leadCreation = summedUnits(untimed(capacityBetween(afterWarmUp, afterLeads)));
    const steadyDeliveries = deliveriesBetween(deliveriesAfterLeads, deliveriesAfterEventPhases);
    const leadCreationDeliveries = deliveriesBetween(deliveriesAfterWarmUp, deliveriesAfterLeads);
    const qualifications = alertsAfterEventPhases - alertsBeforeEvents;
    const perQualification = (value: number) => (qualifications ? round(value / qualifications, 2) : 0);
    const perEvent = (value: number) => round(value / events, 3);
    const scoringPath = steady.byFunction.filter((fn) => SCORING_PATH.includes(fn.name));
    const dollarsPerMillion = (units: { readonly writeUnits: number; readonly readUnits: number }, count: number) =>
      round((units.writeUnits / count) * ON_DEMAND_DOLLARS_PER_MILLION.writeRequestUnits + (units.readUnits / count) * ON_DEMAND_DOLLARS_PER_MILLION.readRequestUnits, 3);
    const fullLoadIngestSeconds = (fullAccepted - fullStarted) / 1000;
    return {
      leads: options.leads,
      qualifyingLeads: String(options.qualifyingLeads),
      serverErrors,
      requestsRefused,
      leadFormsPerSecond: round(options.leads / ((leadsAccepted - leadsStarted) / 1000)),
      pacedEventsPerSecond: options.pacedEventsPerSecond,
      pacedEvents,
      pacedAcceptToScoreP50Ms: percentile(paced, 50),
      pacedAcceptToScoreP99Ms: percentile(paced, 99),
      fullLoadEvents,
      fullLoadIngestSeconds: round(fullLoadIngestSeconds),
      // Offered: the rate the stack accepted events at; drained: the rate it scored them while accepting.
      // Offered above drained is a queue: the last events accepted wait for the backlog ahead of them.
      fullLoadOfferedEventsPerSecond: round(fullLoadEvents / fullLoadIngestSeconds, 1),
      fullLoadDrainedEventsPerSecondWhileAccepting: round(scoredWhileAccepting / fullLoadIngestSeconds, 1),
      fullLoadBacklogAtLastAccept: fullLoadEvents - scoredWhileAccepting,
      fullLoadEventsScoredPerSecond: round(fullLoadEvents / ((fullScored - fullStarted) / 1000), 1),
      fullLoadSettledSeconds: round((fullSettled - fullStarted) / 1000),
      fullLoadAcceptToScoreP50Ms: percentile(full, 50),
      fullLoadAcceptToScoreP99Ms: percentile(full, 99),
      // 13a7431's `eventsScoredPerSecond`, measured the same way (phase 4).
      interleavedEventsScoredPerSecond: round(interleavedEvents / ((interleavedScored - interleavedStarted) / 1000), 1),
      // Until everything the phase set off (alerts, the lifecycle, journeys, webhooks, segments) had
      // made its last table call: the scores come first locally (local/table-call-priority.ts), the rest later.
      interleavedSettledSeconds: round((interleavedSettled - interleavedStarted) / 1000),
      // Over every score of phase 4, its forms' among them.
      interleavedAcceptToScoreP99Ms: percentile(latencyOf(interleavedFrom), 99),
      // What phase 4 needed per event, its forms' work included: on a machine the stack saturates, what sets its pace.
      interleavedNodeCpuMsPerEvent: round((interleavedCpu.nodeCpuSeconds * 1000) / interleavedEvents),
      interleavedDynamoDbCpuMsPerEvent: round((interleavedCpu.dynamoDbCpuSeconds * 1000) / interleavedEvents),
      interleavedTableCallsPerLead: perInterleavedLead(totalCalls(interleavedCalls)),
      interleavedDeliveriesPerLead: perInterleavedLead(totalOf(interleavedDeliveries)),
      ...Object.fromEntries(
        Object.entries(interleavedCalls)
          .filter(([, fn]) => fn.calls > 0)
          .map(([name, fn]) => [`perInterleavedLead.${name}.tableCalls`, perInterleavedLead(fn.calls)]),
      ),
      ...Object.fromEntries(
        Object.entries(interleavedDeliveries)
          .filter(([, count]) => count > 0)
          .map(([name, count]) => [`perInterleavedLead.${name}.deliveries`, perInterleavedLead(count)]),
      ),
      // What the full load needed, however much of the machine it got: this process (every thread) and DynamoDB Local.
      fullLoadNodeCpuMsPerEvent: round((fullLoadCpu.nodeCpuSeconds * 1000) / fullLoadEvents),
      fullLoadDynamoDbCpuMsPerEvent: round((fullLoadCpu.dynamoDbCpuSeconds * 1000) / fullLoadEvents),
      steadyStateEvents: events,
      // Alerts sent in the event phases: each is one qualification.
      qualifications,
      writeUnitsPerEvent: perEvent(steady.writeUnits),
      readUnitsPerEvent: perEvent(steady.readUnits),
      dollarsPerMillionEvents: dollarsPerMillion(steady, events),
      estimatedRefusedWriteUnitsPerEvent: perEvent(steady.estimatedFailedWriteUnits),
      // Every event takes this path; the other functions' units come from what some events set off
      // (here every lead qualifies once during the event phases: its alert, stage change, webhooks).
      scoringPathWriteUnitsPerEvent: perEvent(scoringPath.reduce((sum, fn) => sum + fn.writeUnits, 0)),
      scoringPathReadUnitsPerEvent: perEvent(scoringPath.reduce((sum, fn) => sum + fn.readUnits, 0)),
      ...Object.fromEntries(
        steady.byFunction
          .filter((fn) => fn.calls || fn.readUnits || fn.writeUnits || fn.estimatedFailedWriteUnits)
          .flatMap((fn) => [
            [`perEvent.${fn.name}.writeUnits`, perEvent(fn.writeUnits)],
            [`perEvent.${fn.name}.readUnits`, perEvent(fn.readUnits)],
            // With the per-call latencies of DynamoDB, what README's AWS estimate is built from.
            [`perEvent.${fn.name}.tableCalls`, perEvent(fn.calls)],
            // Writes refused by their condition: lost races (each one retried) or duplicates found.
            ...(fn.estimatedFailedWriteUnits ? [[`perEvent.${fn.name}.estimatedRefusedWriteUnits`, perEvent(fn.estimatedFailedWriteUnits)]] : []),
            // What a qualification costs, for the functions only a qualification sets off.
            ...(SCORING_PATH.includes(fn.name)
              ? []
              : [
                  [`perQualification.${fn.name}.writeUnits`, perQualification(fn.writeUnits)],
                  [`perQualification.${fn.name}.readUnits`, perQualification(fn.readUnits)],
                ]),
            [`${fn.name}.meanTableCallMs`, round(fn.callMilliseconds / Math.max(1, fn.calls), 1)],
          ]),
      ),
      ...Object.fromEntries(
        [...steady.byTarget].flatMap(([target, consumed]) => [
          [`perEvent.on ${target}.writeUnits`, perEvent(consumed.writeUnits)],
          [`perEvent.on ${target}.readUnits`, perEvent(consumed.readUnits)],
        ]),
      ),
      // Phase 5: what engagement costs once the leads' qualifications are behind them, every function and index counted.
      returningEvents,
      qualificationsWhileReturning: alertsSent - alertsAfterInterleaved,
      returningWriteUnitsPerEvent: perReturningEvent(returning.writeUnits),
      returningReadUnitsPerEvent: perReturningEvent(returning.readUnits),
      returningDollarsPerMillionEvents: dollarsPerMillion(returning, returningEvents),
      ...unitsByFunction('perReturningEvent', returning, perReturningEvent),
      // Each is a queue message, an invocation's share and whatever the consumer does with it: what a
      // qualification or a form sets off, counted whatever the machine's load.
      deliveriesPerEvent: perEvent(totalOf(steadyDeliveries)),
      deliveriesPerLeadCreated: round(totalOf(leadCreationDeliveries) / options.leads, 2),
      ...Object.fromEntries(
        Object.entries(steadyDeliveries)
          .filter(([, count]) => count > 0)
          .map(([name, count]) => [`perEvent.${name}.deliveries`, perEvent(count)]),
      ),
      writeUnitsPerLeadCreated: round(leadCreation.writeUnits / options.leads, 3),
      readUnitsPerLeadCreated: round(leadCreation.readUnits / options.leads, 3),
      // What a lead's creation costs, by function: its form's transaction, its first scoring, the consumers its events reach.
      ...unitsByFunction('perLeadCreated', leadCreation, (value) => round(value / options.leads, 2)),
    };
  } finally {
    stopListening();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
