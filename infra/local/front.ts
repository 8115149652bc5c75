/**
 * A thin front before each local AWS endpoint (DynamoDB, SES, Step Functions), doing what AWS does
 * before a call reaches the service: it reads the caller from the SigV4 `Credential=` key id and
 * the action and resource from the request, refuses what the caller's policy does not allow
 * (AccessDeniedException, in the service's error shape). Faults on demand are injected behind it
 * (infra/local/faults.ts), as the service itself would fail. Calls with
 * any other key id (an operator's AWS CLI, the tests' own clients) pass unchecked.
 */
import {
  createServer,
  Agent as HttpAgent,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { allows, type RequestContext, type Statement } from '../permissions.ts';
import { ACCOUNT_ID, REGION } from './names.ts';

export type FrontService = 'dynamodb' | 'ses' | 'states';

/** A caller of the system: a function's role or the state machines' role. */
export interface Principal {
  /** `arn:aws:sts::...:assumed-role/...`, as AWS names it in an AccessDenied message. */
  arn: string;
  policy: readonly Statement[];
}

export interface FrontOptions {
  service: FrontService;
  upstream: string;
  /** The principal behind an access key id, or undefined for an unchecked caller. */
  principalOf(accessKeyId: string): Principal | undefined;
  /** DynamoDB: a table's partition key attribute, whose values are `dynamodb:LeadingKeys`. */
  partitionKeyOf?(table: string): string | undefined;
  /**
   * Step Functions: the ARN of the state machine whose task issued a task token still waiting
   * (SendTask* is authorized against it), or undefined for a token no task holds.
   */
  taskTokenIssuer?(taskToken: string): string | undefined;
  /**
   * Hands an allowed request to the service in this process (writing its answer to `res`) instead
   * of forwarding it over HTTP to `upstream`: one loopback hop less on every call.
   */
  deliver?(request: FrontRequest, res: ServerResponse): void;
}

/** A request as the front read it (its body whole). */
export interface FrontRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
type Request = FrontRequest;
/** What a request asks: IAM actions on resources (a batch may touch several). */
type Access = { action: string; resource: string; context?: RequestContext }[];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** AWS's words for a refused call. */
export function deniedMessage(principal: Principal, action: string, resource: string): string {
  return `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
}

export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

export function startFront(options: FrontOptions): Server {
  const agent = new HttpAgent({ keepAlive: true });
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed: Request = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      const answer = check(options, parsed);
      if (answer) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      if (options.deliver) return options.deliver(parsed, res);
      const forward = (retried: boolean) => {
        const upstream = request(
          `${options.upstream}${parsed.path}`,
          { method: parsed.method, headers: req.headers, agent },
          (response) => {
            res.writeHead(response.statusCode ?? 502, response.headers);
            response.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive socket the service closed while idle: the request never reached it (Node's
          // documented case for `reusedSocket`), so it is sent once more on a fresh socket.
          if (!retried && upstream.reusedSocket && error.code === 'ECONNRESET') return forward(true);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
        upstream.end(body);
      };
      forward(false);
    });
  });
}

function check(options: FrontOptions, req: Request): Answer | undefined {
  const keyId = accessKeyIdOf(req.headers.authorization);
  const principal = keyId ? options.principalOf(keyId) : undefined;
  if (!principal) return undefined;
  const access = accessOf(options, req);
  if (!access) return undefined;
  for (const { action, resource, context } of access) {
    if (!allows(principal.policy, action, resource, context)) {
      const message = deniedMessage(principal, action, resource);
      return errorAnswer(
        options.service,
        req,
        'AccessDeniedException',
        options.service === 'ses' ? 403 : 400,
        message,
        {
          dynamodb: 'com.amazon.coral.service#AccessDeniedException',
        },
      );
    }
  }
  return undefined;
}

function errorAnswer(
  service: FrontService,
  req: Request,
  name: string,
  status: number,
  message: string,
  types: { dynamodb: string },
): Answer {
  const requestId = crypto.randomUUID();
  if (service === 'ses' && !req.path.startsWith('/v2/')) {
    // SES v1 (query protocol) answers XML.
    const code = name === 'AccessDeniedException' ? 'AccessDenied' : name;
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  if (service === 'ses') {
    // SES v2 (REST JSON): the error name travels in a header.
    return {
      status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': name,
        'x-amzn-requestid': requestId,
      },
      body: JSON.stringify({ message }),
    };
  }
  const type = service === 'dynamodb' ? types.dynamodb : `com.amazon.coral.service#${name}`;
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: type, [service === 'dynamodb' ? 'Message' : 'message']: message }),
  };
}

const TABLE_ARN = (table: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${table}`;

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The IAM actions and resources of a request, or undefined for what is not an API call (the outbox). */
function accessOf(options: FrontOptions, req: Request): Access | undefined {
  if (options.service === 'ses') return sesAccess(req);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.split('.')[1];
  if (!operation) return undefined;
  let body: Record<string, unknown>;
  try {
    body = record(JSON.parse(req.body.toString('utf8') || '{}'));
  } catch {
    return undefined; // the service itself answers a malformed body
  }
  const str = (key: string) => (typeof body[key] === 'string' ? body[key] : undefined);
  if (options.service === 'states') {
    if (operation.startsWith('SendTask')) {
      // Authorized against the state machine whose task issued the token. A token no task holds
      // names no resource: the service answers it (TaskDoesNotExist), as AWS answers a stale token.
      const issuer = options.taskTokenIssuer?.(str('taskToken') ?? '');
      return issuer ? [{ action: `states:${operation}`, resource: issuer }] : undefined;
    }
    return [
      { action: `states:${operation}`, resource: str('stateMachineArn') ?? str('executionArn') ?? '*' },
    ];
  }
  // dynamodb:LeadingKeys: the partition key values of the items the call names.
  const leading = (table: string, keys: unknown[]): RequestContext => {
    const attribute = options.partitionKeyOf?.(table);
    if (!attribute) return {};
    return { 'dynamodb:LeadingKeys': keys.map((key) => keyValue(record(key), attribute)) };
  };
  const action = `dynamodb:${operation}`;
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    return Object.entries(record(body.RequestItems)).map(([table, request]) => {
      const keys =
        operation === 'BatchWriteItem'
          ? list(request).map((write) => {
              const { PutRequest, DeleteRequest } = record(write);
              return PutRequest ? record(PutRequest).Item : record(DeleteRequest).Key;
            })
          : list(record(request).Keys);
      return { action, resource: TABLE_ARN(table), context: leading(table, keys) };
    });
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return list(body.TransactItems).flatMap((item) =>
      Object.entries(record(item)).map(([kind, value]) => {
        const { TableName, Item, Key } = record(value);
        const table = typeof TableName === 'string' ? TableName : '';
        return {
          action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`,
          resource: TABLE_ARN(table),
          context: leading(table, [Item ?? Key]),
        };
      }),
    );
  }
  const table = str('TableName');
  if (!table) return [{ action, resource: '*' }];
  const index = str('IndexName');
  const resource = index ? `${TABLE_ARN(table)}/index/${index}` : TABLE_ARN(table);
  if (body.Item !== undefined || body.Key !== undefined)
    return [{ action, resource, context: leading(table, [body.Item ?? body.Key]) }];
  if (operation === 'Query' && !index) {
    const value = queriedPartition(body, options.partitionKeyOf?.(table));
    return [{ action, resource, context: value === undefined ? {} : { 'dynamodb:LeadingKeys': [value] } }];
  }
  // A Scan, or a Query on an index, names no partition key of the table: no leading keys.
  return [{ action, resource }];
}

/** A key's partition value as IAM sees it (string or number; a missing one matches no pattern). */
function keyValue(key: Record<string, unknown>, attribute: string): string {
  const value = record(key[attribute]);
  const scalar = value.S ?? value.N;
  return typeof scalar === 'string' ? scalar : '';
}

/** The partition key value a Query's key condition names (`pk = :v`, or `#n = :v`). */
function queriedPartition(body: Record<string, unknown>, attribute: string | undefined): string | undefined {
  if (!attribute) return undefined;
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  const names = record(body.ExpressionAttributeNames);
  const values = record(body.ExpressionAttributeValues);
  for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const [, name = '', placeholder = ''] = match;
    if ((name.startsWith('#') ? names[name] : name) === attribute)
      return keyValue({ [attribute]: values[placeholder] }, attribute);
  }
  const legacy = record(record(body.KeyConditions)[attribute]);
  const first = list(legacy.AttributeValueList)[0];
  return legacy.ComparisonOperator === 'EQ' ? keyValue({ [attribute]: first }, attribute) : undefined;
}

function sesAccess(req: Request): Access | undefined {
  const identityOf = (address: string | undefined) => {
    const email = /<([^>]+)>/.exec(address ?? '')?.[1] ?? address ?? '';
    return `arn:aws:ses:${REGION}:${ACCOUNT_ID}:identity/${email.split('@')[1] ?? email}`;
  };
  if (req.method === 'POST' && req.path.startsWith('/v2/email/outbound-emails')) {
    let body: { FromEmailAddress?: string; ConfigurationSetName?: string };
    try {
      body = JSON.parse(req.body.toString('utf8')) as typeof body;
    } catch {
      return undefined;
    }
    // SES authorizes a send against the identity and, when one is named, the configuration set.
    const access: Access = [{ action: 'ses:SendEmail', resource: identityOf(body.FromEmailAddress) }];
    if (body.ConfigurationSetName)
      access.push({
        action: 'ses:SendEmail',
        resource: `arn:aws:ses:${REGION}:${ACCOUNT_ID}:configuration-set/${body.ConfigurationSetName}`,
      });
    return access;
  }
  if (req.method === 'POST' && (req.path === '/' || req.path.startsWith('/?'))) {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const action = form.get('Action');
    if (action !== 'SendEmail' && action !== 'SendRawEmail') return undefined;
    return [{ action: `ses:${action}`, resource: identityOf(form.get('Source') ?? undefined) }];
  }
  return undefined;
}
