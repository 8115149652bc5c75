import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryObjects } from 'node:v8';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { iteratorClasses, localDynalite } from '../../infra/local/dynalite.ts';

export interface TestDynamo {
  client: DynamoDBClient;
  endpoint: string;
  stop(): Promise<void>;
}

/** An in-memory dynalite on a free port, for tests that need a real DynamoDB API. */
export async function startDynalite(): Promise<TestDynamo> {
  const server: Server = localDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    client,
    endpoint,
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function createKeyTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
}

/**
 * The Fund table exactly as `infra/system.ts` describes it, on a fresh dynalite, with the
 * environment a handler reads pointed at it. Import data modules after this (their SDK clients
 * read the endpoint from the environment).
 */
export async function startFundStore(fundStartDate: string): Promise<TestDynamo> {
  const { system, tableSpec } = await import('../../infra/system.ts');
  const { routesEnvironment } = await import('../../infra/routes.ts');
  const dynamo = await startDynalite();
  const spec = tableSpec('Fund');
  const keys = (pk: string, sk?: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  const attributes = new Set([spec.partitionKey, spec.sortKey ?? '']);
  for (const index of spec.indexes) attributes.add(index.partitionKey).add(index.sortKey ?? '');
  attributes.delete('');
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: 'fund',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys(spec.partitionKey, spec.sortKey),
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      GlobalSecondaryIndexes: spec.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keys(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    FUND_TABLE_NAME: 'fund',
    FUND_START_DATE: fundStartDate,
    ROUTES: routesEnvironment(system.routes),
    LEDGER_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'jif-key-')), 'ledger.key'),
  });
  return dynamo;
}

/** How many store iterators (dynalite's, under Query and Scan) are alive now, after a GC. */
export function liveStoreIterators(): number {
  let count = 0;
  for (const cls of iteratorClasses())
    count += queryObjects(cls as unknown as new () => unknown, { format: 'count' }) as number;
  return count;
}
