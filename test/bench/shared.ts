/**
 * The one local cloud the in-process sections share (handler modules, and the SDK clients they
 * create, load once per process, so one cloud per run), in real time (timeScale 1: retry intervals
 * are AWS's), with DynamoDB reached through the metering proxy.
 */
import { startTestCloud, type TestCloud } from '../support/cloud.ts';
import { DynamoDbMeter } from './dynamodb-meter.ts';

export async function withCloud<T>(fn: (cloud: TestCloud, meter: DynamoDbMeter) => Promise<T>): Promise<T> {
  const meter = new DynamoDbMeter();
  const endpoint = await meter.start();
  const cloud = await startTestCloud({ timeScale: 1, environment: { AWS_ENDPOINT_URL_DYNAMODB: endpoint } });
  meter.retarget(cloud.endpoints.dynamodb);
  try {
    return await fn(cloud, meter);
  } finally {
    await cloud.close();
    await meter.close();
  }
}
