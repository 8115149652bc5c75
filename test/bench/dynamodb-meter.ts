/**
 * Counts DynamoDB request units at the local endpoint: a loopback proxy in front of dynalite that
 * the handlers reach through AWS_ENDPOINT_URL_DYNAMODB. It asks every item operation for
 * `ReturnConsumedCapacity: TOTAL` (dynalite sizes items as DynamoDB bills them: 1 WRU per KB written,
 * 1 RRU per 4 KB read strongly, half eventually, queries on the summed size) and strips the field
 * again unless the caller asked for it, so handlers see the answers they would get anyway.
 *
 * dynalite does not count index writes, which DynamoDB bills: a put adds one WRU per GSI whose key
 * the item carries, an update one per GSI key it sets (a lower bound: moving a key costs two).
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const METERED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const GSI_KEY = /^gsi\d+pk$/;

export interface Units {
  requests: number;
  rru: number;
  wru: number;
}

export class DynamoDbMeter {
  private server: Server | undefined;
  private target: URL | undefined;
  private readonly pending: (() => void)[] = [];
  readonly byOperation = new Map<string, Units>();

  /** Starts listening; requests wait until `retarget` names the endpoint to forward to. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  retarget(endpoint: string): void {
    this.target = new URL(endpoint);
    for (const release of this.pending.splice(0)) release();
  }

  totals(): Units {
    const sum: Units = { requests: 0, rru: 0, wru: 0 };
    for (const u of this.byOperation.values()) {
      sum.requests += u.requests;
      sum.rru += u.rru;
      sum.wru += u.wru;
    }
    return sum;
  }

  snapshot(): Map<string, Units> {
    return new Map([...this.byOperation].map(([op, u]) => [op, { ...u }]));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!this.target) await new Promise<void>((resolve) => this.pending.push(resolve));
    const target = this.target as URL;
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let body = Buffer.concat(chunks);
    let asked = true;
    let input: Record<string, unknown> = {};
    if (METERED.has(operation)) {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      asked = input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE';
      if (!asked) body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
    }
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          let out = Buffer.concat(parts);
          if (METERED.has(operation) && answer.statusCode === 200) {
            const output = JSON.parse(out.toString('utf8')) as Record<string, unknown>;
            this.count(operation, input, output.ConsumedCapacity);
            if (!asked) {
              delete output.ConsumedCapacity;
              out = Buffer.from(JSON.stringify(output));
            }
          } else if (METERED.has(operation)) {
            // A failed conditional write is billed too (at least one unit).
            this.count(operation, input, undefined);
          }
          const outHeaders: Record<string, string | string[] | undefined> = {
            ...answer.headers,
            'content-length': String(out.length),
          };
          delete outHeaders['x-amz-crc32']; // the body changed; the SDK checks this CRC when present
          res.writeHead(answer.statusCode ?? 500, outHeaders);
          res.end(out);
        });
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    upstream.end(body);
  }

  private count(operation: string, input: Record<string, unknown>, consumed: unknown): void {
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    let units = list.reduce(
      (sum: number, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0),
      0,
    );
    if (list.length === 0) units = 1;
    const write = WRITES.has(operation);
    if (write) units += indexWrites(operation, input);
    const tally = this.byOperation.get(operation) ?? { requests: 0, rru: 0, wru: 0 };
    tally.requests += 1;
    if (write) tally.wru += units;
    else tally.rru += units;
    this.byOperation.set(operation, tally);
  }
}

/** One WRU per GSI key a put carries or an update sets (see the module comment). */
function indexWrites(operation: string, input: Record<string, unknown>): number {
  const keysOf = (item: unknown) => Object.keys((item ?? {}) as object).filter((k) => GSI_KEY.test(k)).length;
  if (operation === 'PutItem') return keysOf(input.Item);
  if (operation === 'UpdateItem') {
    const names = Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>);
    const expression = String(input.UpdateExpression ?? '');
    const set = new Set([...names, ...(expression.match(/gsi\d+pk/g) ?? [])].filter((n) => GSI_KEY.test(n)));
    return set.size;
  }
  if (operation === 'BatchWriteItem') {
    let n = 0;
    for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>))
      for (const r of requests) n += keysOf((r as { PutRequest?: { Item?: unknown } }).PutRequest?.Item);
    return n;
  }
  return 0;
}
