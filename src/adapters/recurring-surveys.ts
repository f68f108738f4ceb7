import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CareSettings } from '../domain/care/customer';
import { DEFAULT_SURVEYS } from '../domain/care/surveys';
import * as keys from './keys';

/**
 * The ids of the recurring surveys in the care settings (the standard ones until a team saves its
 * own), whose rounds have timers per customer. Read without the settings' schema, which CareStore
 * parses them with: erasure needs only these ids, and the schema would take lead-data-rights past its
 * bundle budget. The item was parsed when it was saved.
 */
export async function recurringSurveyIds(client: DynamoDBDocumentClient, tableName: string): Promise<string[]> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.careSettings() }));
  const surveys = Item ? (Item.settings as Pick<CareSettings, 'surveys'>).surveys : DEFAULT_SURVEYS;
  return surveys.flatMap((survey) => (survey.recurrence ? [survey.id] : []));
}
