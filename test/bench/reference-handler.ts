/** The cold-start yardstick: a handler that only creates a DynamoDB client (bundled like the others). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;
