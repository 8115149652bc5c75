/**
 * SDK clients, created once per container and shared by every invocation. They read their
 * endpoints from the environment (AWS_ENDPOINT_URL_*), so the same code runs in AWS and locally.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({});
export const ses = new SESv2Client({});
