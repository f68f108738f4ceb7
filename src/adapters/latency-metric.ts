/** EMF takes at most 100 values of one metric per line. */
const VALUES_PER_LINE = 100;

/**
 * One latency metric of a function, in milliseconds, as CloudWatch takes it from the function's output:
 * lines of the embedded metric format (EMF) under the namespace, with the function as the `service`
 * dimension, which the stack's alarms read. The lines Powertools Metrics printed for leadflow's three
 * latencies, without its 13 KiB in each of their bundles (docs/performance.md). Values are kept until
 * `flush`, at the end of an invocation; none recorded, nothing printed.
 */
export class LatencyMetric {
  private values: number[] = [];
  /** As Powertools Metrics: POWERTOOLS_METRICS_DISABLED=true keeps the metrics out of the output (the handler tests). */
  private readonly disabled: boolean;

  constructor(
    private readonly namespace: string,
    private readonly service: string,
    private readonly name: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.disabled = ['true', '1'].includes(env.POWERTOOLS_METRICS_DISABLED?.toLowerCase() ?? '');
  }

  record(milliseconds: number): void {
    this.values.push(milliseconds);
  }

  /** Prints the values recorded since the last flush, a hundred to a line. */
  flush(): void {
    const values = this.values;
    this.values = [];
    if (this.disabled) return;
    for (let start = 0; start < values.length; start += VALUES_PER_LINE) {
      const line = {
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [['service']], Metrics: [{ Name: this.name, Unit: 'Milliseconds' }] }] },
        service: this.service,
        [this.name]: values.slice(start, start + VALUES_PER_LINE),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
}
