/**
 * A thin front before each local AWS endpoint (DynamoDB, SES, Step Functions), doing what AWS does
 * before a call reaches the service: it reads the caller from the SigV4 `Credential=` key id and
 * the action and resource from the request, refuses what the caller's policy does not allow
 * (AccessDeniedException, in the service's error shape). Faults on demand are injected behind it
 * (infra/local/faults.ts), as the service itself would fail. Calls with
 * any other key id (an operator's AWS CLI, the tests' own clients) pass unchecked.
 */
import { createServer, Agent as HttpAgent, type IncomingMessage, request, type Server } from 'node:http';
import { allows, type Statement } from '../permissions.ts';
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
}

/** What a request asks: IAM actions on resources (a batch may touch several). */
interface Request {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
type Access = { action: string; resource: string }[];

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
      const upstream = request(
        `${options.upstream}${parsed.path}`,
        { method: parsed.method, headers: req.headers, agent },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
}

function check(options: FrontOptions, req: Request): Answer | undefined {
  const keyId = accessKeyIdOf(req.headers.authorization);
  const principal = keyId ? options.principalOf(keyId) : undefined;
  if (!principal) return undefined;
  const access = accessOf(options.service, req);
  if (!access) return undefined;
  for (const { action, resource } of access) {
    const allowed =
      resource === ANY
        ? principal.policy.some((statement) => statement.actions.includes(action))
        : allows(principal.policy, action, resource);
    if (!allowed) {
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

/** A resource the front cannot name: the action alone is checked. */
const ANY = '(any)';

const TABLE_ARN = (table: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${table}`;

/** The IAM actions and resources of a request, or undefined for what is not an API call (the outbox). */
function accessOf(service: FrontService, req: Request): Access | undefined {
  if (service === 'ses') return sesAccess(req);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.split('.')[1];
  if (!operation) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return undefined; // the service itself answers a malformed body
  }
  const str = (key: string) => (typeof body[key] === 'string' ? body[key] : undefined);
  if (service === 'states') {
    // A task token's state machine is not known here: SendTask* is checked on the action only.
    const resource =
      str('stateMachineArn') ?? str('executionArn') ?? (operation.startsWith('SendTask') ? ANY : '*');
    return [{ action: `states:${operation}`, resource }];
  }
  const action = `dynamodb:${operation}`;
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    const tables = Object.keys((body.RequestItems ?? {}) as Record<string, unknown>);
    return tables.map((table) => ({ action, resource: TABLE_ARN(table) }));
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = (Array.isArray(body.TransactItems) ? body.TransactItems : []) as Record<
      string,
      { TableName?: string }
    >[];
    const names: Record<string, string> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
      Get: 'GetItem',
    };
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, value]) => ({
        action: `dynamodb:${names[kind] ?? kind}`,
        resource: TABLE_ARN(value.TableName ?? ''),
      })),
    );
  }
  const table = str('TableName');
  if (!table) return [{ action, resource: '*' }];
  const index = str('IndexName');
  return [{ action, resource: index ? `${TABLE_ARN(table)}/index/${index}` : TABLE_ARN(table) }];
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
