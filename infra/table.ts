import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { tableDesign } from '../manifest/table';
import { tableGrants } from '../manifest/table-grants';
import type { TableAccess } from '../manifest/types';

/** The one DynamoDB table, laid out as manifest/table.ts designs it, retained when the stack goes. */
export class LeadflowTable {
  readonly table: TableV2;

  constructor(scope: Construct) {
    this.table = new TableV2(scope, 'Table', {
      partitionKey: { name: tableDesign.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: tableDesign.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      })),
    });
  }

  /**
   * Exactly the access a function's item kinds need (manifest/table-grants.ts), each statement
   * bounded by `dynamodb:LeadingKeys` to those kinds' partitions.
   */
  grant(fn: IFunction, access: TableAccess | undefined): void {
    for (const grant of tableGrants(access)) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...grant.actions],
          resources: [grant.index ? `${this.table.tableArn}/index/${grant.index}` : this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] } },
        }),
      );
    }
  }
}
