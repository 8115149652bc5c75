import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, type LedgerRecord, sealEntry } from '../../../functions/funding/domain/ledger.ts';
import { REFERENCE_RATE } from '../../../functions/funding/domain/money.ts';
import type { HttpEvent } from '../../../functions/platform/http.ts';
import { httpEvent, lambdaContext, loadHandlerModule, TEST_ENV } from './support.ts';

const documents = mockClient(DynamoDBDocumentClient);

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;
let neutralise: (cell: unknown) => unknown;

beforeAll(async () => {
  const module =
    await loadHandlerModule<typeof import('../../../functions/finance/handlers/list-disbursements.ts')>(
      'list-disbursements',
    );
  handler = module.handler as unknown as Handler;
  neutralise = module.neutralise;
});

afterEach(() => {
  documents.reset();
});

describe('neutralise (CSV cells a spreadsheet would run)', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+33 1 23 45 67 89', "'+33 1 23 45 67 89"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['=HYPERLINK("https://evil.example","click")', '\'=HYPERLINK("https://evil.example","click")'],
  ])('quotes %j', (cell, expected) => {
    expect(neutralise(cell)).toBe(expected);
  });

  it.each([
    'Ring road fencing, phase 1',
    'JIF-FY1-000001',
    '2025-05-01T10:00:00.000Z',
    'a=b',
    ' =not first',
    '',
    "'already quoted",
  ])('leaves %j as it is', (cell) => {
    expect(neutralise(cell)).toBe(cell);
  });

  it('leaves numbers (negative ones included) and other values untouched', () => {
    for (const value of [0, 120_000_000, -5, 1.5, null, undefined, true])
      expect(neutralise(value)).toBe(value);
  });
});

describe('GET /disbursements as CSV', () => {
  const record: LedgerRecord = sealEntry({
    seq: 1,
    disbursementId: 'disb-1',
    proposalId: '0b8e5c1d-2f4a-4e6b-8c9d-1a2b3c4d5e6f',
    title: '=HYPERLINK("https://evil.example","Fences")',
    category: 'PORT_SECURITY_INFRASTRUCTURE',
    purpose: 'INVESTMENT',
    fundYear: 1,
    amountEurCents: 120_000_000,
    amountGbpPence: 96_000_000,
    rate: REFERENCE_RATE,
    paymentReference: 'JIF-FY1-000001',
    recordedAt: '2025-05-01T10:00:00.000Z',
    prevHash: GENESIS_HASH,
  });

  it('queries the fund-year index and neutralises a hostile title, leaving figures as they are', async () => {
    documents.on(QueryCommand).resolves({ Items: [{ pk: 'LEDGER', sk: 'SEQ#000000000001', ...record }] });
    // The selection's totals come from the head's maintained cells (here FY1 holds one more, FY2 one).
    documents.on(GetCommand).resolves({
      Item: {
        pk: 'LEDGER',
        sk: 'HEAD',
        seq: 3,
        hash: 'f'.repeat(64),
        'count|1|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 2,
        'eur|1|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 130_000_000,
        'gbp|1|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 104_000_000,
        'count|2|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 1,
        'eur|2|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 5,
        'gbp|2|PORT_SECURITY_INFRASTRUCTURE|INVESTMENT': 4,
      },
    });
    const result = (await handler(
      httpEvent('get-disbursements-csv.json'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2 & {
      body: string;
    };

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'Content-Type': 'text/csv; charset=utf-8',
      'X-Total-Count': '2',
      'X-Total-Eur-Cents': '130000000',
      'X-Total-Gbp-Pence': '104000000',
    });
    expect(documents.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TEST_ENV.FUND_TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DISB#FY#1' },
    });
    expect(result.body.startsWith('\uFEFF')).toBe(true);
    const [header, row] = result.body.slice(1).trim().split('\n');
    expect(header?.split(',')).toEqual([
      'date',
      'paymentReference',
      'seq',
      'recordedAt',
      'fundYear',
      'category',
      'categoryLabel',
      'purpose',
      'purposeLabel',
      'proposalId',
      'title',
      'amountEur',
      'amountGbp',
      'amountEurCents',
      'amountGbpPence',
      'gbpPerEur',
      'rateSource',
      'hash',
    ]);
    expect(row).toContain('"\'=HYPERLINK(""https://evil.example"",""Fences"")"');
    expect(row).toContain(',1200000.00,960000.00,120000000,96000000,0.80,');
    expect(
      row?.startsWith(
        '2025-05-01,JIF-FY1-000001,1,2025-05-01T10:00:00.000Z,1,PORT_SECURITY_INFRASTRUCTURE,Port security infrastructure,INVESTMENT,Investment,',
      ),
    ).toBe(true);
  });
});
