/** The Step Functions client, once per container (AWS_ENDPOINT_URL_SFN locally); see dynamodb.ts. */
import { SFNClient } from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({});
