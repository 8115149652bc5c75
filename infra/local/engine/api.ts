/**
 * The Step Functions API over HTTP (AWS JSON 1.0), so `@aws-sdk/client-sfn` and the AWS CLI work
 * against the local engine unchanged (`AWS_ENDPOINT_URL_SFN`, `--endpoint-url`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalStepFunctions } from './engine.ts';
import { StepFunctionsApiError } from './errors.ts';
import type { ExecutionStatus } from './store.ts';

type Body = Record<string, unknown>;

export function stepFunctionsApi(engine: LocalStepFunctions) {
  const actions: Record<string, (body: Body) => unknown> = {
    ListStateMachines: () => ({ stateMachines: engine.listStateMachines().map(withEpochDates) }),
    DescribeStateMachine: (b) => withEpochDates(engine.describeStateMachine(str(b, 'stateMachineArn'))),
    StartExecution: (b) =>
      withEpochDates(
        engine.startExecution({
          stateMachineArn: str(b, 'stateMachineArn'),
          name: optStr(b, 'name'),
          input: optStr(b, 'input'),
        }),
      ),
    DescribeExecution: (b) => withEpochDates(engine.describeExecution(str(b, 'executionArn'))),
    ListExecutions: (b) => {
      const all = engine.listExecutions({
        stateMachineArn: optStr(b, 'stateMachineArn'),
        statusFilter: optStr(b, 'statusFilter') as ExecutionStatus | undefined,
      });
      const { items, nextToken } = page(all, b);
      return { executions: items.map(withEpochDates), nextToken };
    },
    GetExecutionHistory: (b) => {
      const events = engine.getExecutionHistory(str(b, 'executionArn'), {
        reverseOrder: b.reverseOrder === true,
        includeExecutionData: b.includeExecutionData !== false,
      });
      const { items, nextToken } = page(events, b);
      return { events: items.map(withEpochDates), nextToken };
    },
    StopExecution: (b) =>
      withEpochDates(engine.stopExecution(str(b, 'executionArn'), optStr(b, 'error'), optStr(b, 'cause'))),
    RedriveExecution: (b) => withEpochDates(engine.redriveExecution(str(b, 'executionArn'))),
    SendTaskSuccess: (b) => {
      engine.sendTaskSuccess(str(b, 'taskToken'), str(b, 'output'));
      return {};
    },
    SendTaskFailure: (b) => {
      engine.sendTaskFailure(str(b, 'taskToken'), optStr(b, 'error'), optStr(b, 'cause'));
      return {};
    },
    SendTaskHeartbeat: (b) => {
      engine.sendTaskHeartbeat(str(b, 'taskToken'));
      return {};
    },
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const run = actions[action];
      if (!run) throw new StepFunctionsApiError('UnknownOperationException', `Unknown operation ${target}`);
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as Body;
      send(res, 200, run(body));
    } catch (error) {
      const code = error instanceof StepFunctionsApiError ? error.code : 'InternalFailure';
      const status = code === 'InternalFailure' ? 500 : 400;
      res.setHeader('x-amzn-ErrorType', code);
      send(res, status, { __type: code, message: (error as Error).message });
    }
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function str(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw new StepFunctionsApiError('ValidationException', `${key} is required`);
  return value;
}
function optStr(body: Body, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

function page<T>(items: T[], body: Body): { items: T[]; nextToken?: string } {
  const max =
    typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : 100;
  const start =
    typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64url').toString()) : 0;
  const slice = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return next ? { items: slice, nextToken: next } : { items: slice };
}

const DATE_KEYS = new Set(['startDate', 'stopDate', 'creationDate', 'timestamp', 'redriveDate']);

/** AWS JSON 1.0 sends timestamps as epoch seconds. */
function withEpochDates<T>(value: T): T {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, inner] of Object.entries(copy)) {
    if (inner === undefined) delete copy[key];
    else if (DATE_KEYS.has(key) && typeof inner === 'string') copy[key] = Date.parse(inner) / 1000;
  }
  return copy as T;
}
