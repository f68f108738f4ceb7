/**
 * The pipeline's own CloudWatch metrics (embedded metric format, src/adapters/latency-metric.ts) and the
 * latencies their alarms hold it to: the brief's "time from submit to score to alert is measured and
 * alarmed". The functions emit them; the stack alarms on them.
 */
export const METRICS_NAMESPACE = 'Leadflow';

export const PipelineMetric = {
  /** Milliseconds from accepting an event to its points being on the lead (score-lead). */
  ScoreLatency: 'ScoreLatency',
  /** Milliseconds from accepting the event that made a lead qualify to its MQL alert being sent (alert-sales). */
  MqlAlertLatency: 'MqlAlertLatency',
  /** Milliseconds from a journey wait's due time to the runner moving its enrolment on (run-journeys). */
  JourneyTimerLateness: 'JourneyTimerLateness',
} as const;

/**
 * Each latency's alarm: the function that reports it (its name is the metric's `service`
 * dimension) and the p99 over five minutes above which the alarm fires, for three periods running.
 */
export const LATENCY_ALARMS: Readonly<Record<keyof typeof PipelineMetric, { readonly service: string; readonly p99Ms: number }>> = {
  ScoreLatency: { service: 'score-lead', p99Ms: 60_000 },
  MqlAlertLatency: { service: 'alert-sales', p99Ms: 120_000 },
  // The sweep runs every minute: a wait may go on up to a minute late by design, five is falling behind.
  JourneyTimerLateness: { service: 'run-journeys', p99Ms: 300_000 },
};
