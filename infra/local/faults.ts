/**
 * Faults on demand (contract section 8): `service:ErrorName:count|always`, comma-separated, from
 * `JIF_FAULTS` or `POST /local/faults`. The next `count` calls the system makes to that service fail
 * with AWS's error shape and name: DynamoDB and SES at their local endpoints (so handlers and the
 * engine's own integrations meet them through the real SDK, retries included), Lambda where the
 * engine or the gateway invokes a function. A Lambda fault may name one function as a fourth part
 * (`lambda:Sandbox.Timedout:always:commitFunds`): only that function's invocations meet it, so a
 * flow can be held at one step whatever else runs meanwhile.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { functionNames } from '../system.ts';
import { resourceName } from './names.ts';

export type FaultService = 'ses' | 'dynamodb' | 'lambda';

/** How each service answers an error: HTTP status, and for DynamoDB the `__type` namespace. */
const DYNAMODB = 'com.amazonaws.dynamodb.v20120810#';
const CORAL_AVAILABILITY = 'com.amazon.coral.availability#';
const KNOWN: Record<FaultService, Record<string, { status: number; type?: string }>> = {
  dynamodb: {
    ProvisionedThroughputExceededException: { status: 400, type: DYNAMODB },
    RequestLimitExceeded: { status: 400, type: DYNAMODB },
    ThrottlingException: { status: 400, type: CORAL_AVAILABILITY },
    InternalServerError: { status: 500, type: DYNAMODB },
    LimitExceededException: { status: 400, type: DYNAMODB },
    ItemCollectionSizeLimitExceededException: { status: 400, type: DYNAMODB },
    ResourceNotFoundException: { status: 400, type: DYNAMODB },
  },
  ses: {
    TooManyRequestsException: { status: 429 },
    MessageRejected: { status: 400 },
    LimitExceededException: { status: 400 },
    SendingPausedException: { status: 400 },
    MailFromDomainNotVerifiedException: { status: 400 },
    AccountSuspendedException: { status: 400 },
    BadRequestException: { status: 400 },
    NotFoundException: { status: 404 },
    InternalFailure: { status: 500 },
    ServiceUnavailable: { status: 503 },
  },
  // As Step Functions names a failed Lambda invocation.
  lambda: {
    'Lambda.ServiceException': { status: 500 },
    'Lambda.TooManyRequestsException': { status: 429 },
    'Lambda.AWSLambdaException': { status: 400 },
    'Lambda.SdkClientException': { status: 500 },
    'Sandbox.Timedout': { status: 200 },
    'Runtime.ExitError': { status: 200 },
    'Runtime.OutOfMemory': { status: 200 },
  },
};

export interface Fault {
  service: FaultService;
  error: string;
  /** Calls left to fail; `always` until cleared. */
  remaining: number | 'always';
  /** Lambda only: the one function (its name in infra/system.ts) whose invocations fail. */
  function?: string;
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/**
 * Parses `service:ErrorName:count|always[:function],...`; throws FaultSpecError saying which entry
 * and why.
 */
export function parseFaults(text: string): Fault[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry) => {
    const parts = entry.split(':');
    const [service, error, count, target] = parts;
    if ((parts.length !== 3 && parts.length !== 4) || !service || !error || !count)
      throw new FaultSpecError(
        `'${entry}': expected service:ErrorName:count (count a positive integer or 'always')`,
      );
    if (target !== undefined && service !== 'lambda')
      throw new FaultSpecError(
        `'${entry}': only a lambda fault names a function, as a fourth part (e.g. lambda:Sandbox.Timedout:1:commitFunds)`,
      );
    if (target !== undefined && !(functionNames as readonly string[]).includes(target))
      throw new FaultSpecError(`'${entry}': no function '${target}' in infra/system.ts`);
    if (!(service in KNOWN))
      throw new FaultSpecError(
        `'${entry}': unknown service '${service}' (one of ${Object.keys(KNOWN).join(', ')})`,
      );
    const known = KNOWN[service as FaultService];
    // The Lambda API's own name (`TooManyRequestsException`) is taken for the name Step Functions
    // gives the same failure (`Lambda.TooManyRequestsException`).
    const named =
      service === 'lambda' && !(error in known) && `Lambda.${error}` in known ? `Lambda.${error}` : error;
    if (!(named in known))
      throw new FaultSpecError(
        `'${entry}': ${service} has no error '${error}' (one of ${Object.keys(known).join(', ')})`,
      );
    if (count !== 'always' && !/^[1-9]\d*$/.test(count))
      throw new FaultSpecError(`'${entry}': count '${count}' is neither a positive integer nor 'always'`);
    return {
      service: service as FaultService,
      error: named,
      remaining: count === 'always' ? 'always' : Number(count),
      ...(target ? { function: target } : {}),
    };
  });
}

export class Faults {
  private faults: Fault[] = [];

  /** Replaces the active faults (the text is checked first: a bad one changes nothing). */
  set(text: string): Fault[] {
    this.faults = parseFaults(text);
    return this.list();
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /**
   * The error the next call to `service` fails with, if any (counted down); `functionName` is the
   * Lambda function invoked, as infra/system.ts or the local cloud (`jif-...`) names it.
   */
  take(
    service: FaultService,
    functionName?: string,
  ): { error: string; status: number; type: string } | undefined {
    const fault = this.faults.find(
      (f) =>
        f.service === service &&
        (f.function === undefined ||
          functionName === f.function ||
          functionName === resourceName(f.function)),
    );
    if (!fault) return undefined;
    if (fault.remaining !== 'always') {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    const shape = KNOWN[service][fault.error] ?? { status: 400 };
    return { error: fault.error, status: shape.status, type: `${shape.type ?? ''}${fault.error}` };
  }
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts the fault check in front of a local service's HTTP server: a faulted request is answered as
 * AWS answers that error (DynamoDB's JSON `__type`, SES v2's `x-amzn-ErrorType` and status); the
 * others reach the server untouched. `applies` picks the calls the service bills (SES: sends only,
 * not the outbox's reads of the emulator's store).
 */
export function guardServer(
  server: Server,
  service: 'dynamodb' | 'ses',
  faults: Faults,
  applies: (req: IncomingMessage) => boolean = () => true,
): void {
  const listeners = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const fault = applies(req) ? faults.take(service) : undefined;
    if (!fault) {
      for (const listener of listeners) listener(req, res);
      return;
    }
    req.resume();
    const message = `${fault.error} (injected by JIF_FAULTS)`;
    const body = service === 'dynamodb' ? { __type: fault.type, message } : { __type: fault.error, message };
    res.writeHead(fault.status, {
      'Content-Type': service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/json',
      'x-amzn-ErrorType': fault.error,
      'x-amzn-RequestId': crypto.randomUUID(),
    });
    res.end(JSON.stringify(body));
  });
}

/**
 * A Lambda fault as Step Functions reports it: service errors before the handler runs; a timeout or
 * a crash after it ran (its work done, its answer lost: what retries must cope with).
 */
export async function invokeWithFaults(
  faults: Faults,
  invoke: () => Promise<unknown>,
  functionName?: string,
): Promise<unknown> {
  const fault = faults.take('lambda', functionName);
  if (!fault) return invoke();
  const error = new Error(`${fault.error} (injected by JIF_FAULTS)`);
  error.name = fault.error;
  if (fault.error.startsWith('Lambda.')) throw error;
  await invoke();
  throw error;
}
