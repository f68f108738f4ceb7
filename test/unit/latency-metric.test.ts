import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metricsOfLine } from '../../local/metric-lines';
import { LatencyMetric } from '../../src/adapters/latency-metric';

let written: string[];

beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const lines = () => written.join('').split('\n').filter(Boolean);

describe('a latency metric', () => {
  it("prints what it recorded as one EMF line, under the namespace with the function as its service dimension, and nothing more until it records again", () => {
    const metric = new LatencyMetric('Leadflow', 'alert-sales', 'MqlAlertLatency', {});
    metric.record(1_200);
    metric.record(3_400);
    metric.flush();
    metric.flush();

    expect(lines()).toHaveLength(1);
    const line = JSON.parse(lines()[0] ?? '{}') as Record<string, unknown>;
    expect(line).toEqual({
      _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [{ Namespace: 'Leadflow', Dimensions: [['service']], Metrics: [{ Name: 'MqlAlertLatency', Unit: 'Milliseconds' }] }] },
      service: 'alert-sales',
      MqlAlertLatency: [1_200, 3_400],
    });
    // As the local stack (and CloudWatch) read the functions' output.
    expect(metricsOfLine(lines()[0] ?? '')).toEqual([{ namespace: 'Leadflow', name: 'MqlAlertLatency', unit: 'Milliseconds', values: [1_200, 3_400] }]);
  });

  it('prints at most a hundred values to a line, the limit of the format', () => {
    const metric = new LatencyMetric('Leadflow', 'run-journeys', 'JourneyTimerLateness', {});
    for (let value = 0; value < 250; value += 1) metric.record(value);
    metric.flush();

    expect(lines().map((line) => (JSON.parse(line) as { JourneyTimerLateness: number[] }).JourneyTimerLateness.length)).toEqual([100, 100, 50]);
  });

  it('prints nothing with metrics disabled, by POWERTOOLS_METRICS_DISABLED as Powertools Metrics reads it', () => {
    const metric = new LatencyMetric('Leadflow', 'score-lead', 'ScoreLatency', { POWERTOOLS_METRICS_DISABLED: 'true' });
    metric.record(10);
    metric.flush();

    expect(written).toEqual([]);
  });
});
