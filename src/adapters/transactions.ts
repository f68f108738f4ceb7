import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Operation = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
/** One operation of a transaction on leadflow's one table: the table is filled in. */
export type TableTransactItem = { [O in Operation]: { readonly [K in O]: Omit<NonNullable<TransactItem[O]>, 'TableName'> & { readonly TableName?: string } } }[Operation];

/** Writes `items` in one DynamoDB transaction on `tableName` (an item built with its table keeps it): all or none. */
export async function transactWrite(client: DynamoDBDocumentClient, tableName: string, items: readonly (TableTransactItem | TransactItem)[]): Promise<void> {
  const TransactItems = items.map((item): TransactItem => {
    const [operation, fields] = Object.entries(item).find(([, value]) => value !== undefined) as [Operation, object];
    return { [operation]: { TableName: tableName, ...fields } } as TransactItem;
  });
  await client.send(new TransactWriteCommand({ TransactItems }));
}
