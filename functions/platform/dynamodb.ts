/**
 * The DynamoDB clients, created once per container and shared by every invocation. One module per
 * service, so a handler's bundle carries only the SDK clients it uses. Endpoints come from the
 * environment (AWS_ENDPOINT_URL_DYNAMODB locally), so the same code runs in AWS and locally.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
