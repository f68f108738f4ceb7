import { Duration, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';

/** The leadflow bus, named after the service and the stack, with 30 days of its own events kept for replay. */
export class LeadflowBus {
  readonly bus: EventBus;

  constructor(scope: Construct, service: string) {
    this.bus = new EventBus(scope, 'Bus', { eventBusName: `${service}-${Stack.of(scope).stackName}`.slice(0, 256) });
    this.bus.archive('Archive', { eventPattern: { source: [service] }, retention: Duration.days(30), description: 'Replay of leadflow events' });
  }
}
