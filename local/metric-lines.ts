import * as z from 'zod';

/**
 * The functions' metrics as CloudWatch would take them from their log output: src/adapters/latency-metric.ts
 * prints each flush as lines in the embedded metric format (EMF). The local stack reads its
 * functions' output the way CloudWatch Logs does and takes these lines out of it.
 */

/** Values of one metric from one EMF line. */
export interface MetricValues {
  readonly namespace: string;
  readonly name: string;
  readonly unit?: string;
  readonly values: readonly number[];
}

const EmfLine = z.looseObject({
  _aws: z.object({
    CloudWatchMetrics: z.array(z.object({ Namespace: z.string(), Metrics: z.array(z.object({ Name: z.string(), Unit: z.string().optional() })) })),
  }),
});
const MetricValue = z.union([z.number(), z.array(z.number())]);

/** The metrics of an EMF line, or undefined when the line is anything else (a log line, plain text). */
export function metricsOfLine(line: string): MetricValues[] | undefined {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = EmfLine.safeParse(json);
  if (!parsed.success) return undefined;
  const fields = parsed.data as Record<string, unknown>;
  return parsed.data._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.flatMap((metric) => {
      // The value sits under the metric's own name, an own property of the line.
      const value = MetricValue.safeParse(Object.hasOwn(fields, metric.Name) ? fields[metric.Name] : undefined);
      if (!value.success) return [];
      return [{ namespace: directive.Namespace, name: metric.Name, ...(metric.Unit ? { unit: metric.Unit } : {}), values: Array.isArray(value.data) ? value.data : [value.data] }];
    }),
  );
}
