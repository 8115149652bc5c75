/**
 * What a Task state calls, each failing with the error name Step Functions gives: Lambda functions
 * (by ARN or through `lambda:invoke`), DynamoDB and SES v2 (the optimized DynamoDB integration and
 * AWS SDK integrations), and nested executions (`states:startExecution`, request-response, `.sync`
 * and `.sync:2`).
 */
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import * as SESv2 from '@aws-sdk/client-sesv2';
import { SYNC_EVENTS_ACTIONS, SYNC_EVENTS_RULE } from '../../permissions.ts';
import type { IntegrationPattern, Json, TaskInfo } from './definition.ts';
import { type StepFunctionsApiError, TaskError } from './errors.ts';
import type { ExecutionRecord } from './store.ts';

/** The engine's executions, as a nested-execution task starts and waits on them. */
export interface NestedExecutions {
  start(request: { stateMachineArn: string; name?: string; input: string }): {
    executionArn: string;
    startDate: string;
  };
  get(executionArn: string): ExecutionRecord | undefined;
  /** Redrives it if AWS would (a child that failed, within the redrive window); else nothing. */
  redriveIfRedrivable(executionArn: string): void;
  /** Resolves once it is no longer running. */
  wait(executionArn: string): Promise<ExecutionRecord>;
  /** DescribeExecution's answer. */
  describe(executionArn: string): Record<string, unknown>;
}

/** The run a task belongs to. */
export interface TaskCaller {
  /** The state machine of the execution: its role is what AWS authorizes the task's calls against. */
  stateMachineArn: string;
  /** How the run began: after a restart or a redrive, a nested start it finds already made is its own child. */
  entry: 'start' | 'resume' | 'redrive';
  /** Called with each nested execution the task starts (stopped with it, as AWS does). */
  adopt(childExecutionArn: string): void;
}

/** A state machine role's SDK clients, for its DynamoDB and SES integrations. */
export interface ServiceClients {
  dynamodb: DynamoDB.DynamoDBClient;
  sesv2: SESv2.SESv2Client;
}

export interface IntegrationOptions {
  /**
   * Runs a function, as Lambda would, for the state machine `caller` (whose role AWS authorizes
   * the invocation against); throws errors named as the handler named them.
   */
  invokeFunction(functionName: string, payload: unknown, caller: string): Promise<unknown>;
  /** The SDK clients of a state machine's own role, for its DynamoDB and SES v2 integrations. */
  clientsFor(caller: string): ServiceClients;
  /** AWS's AccessDenied message when the state machine's role may not do this, else undefined. */
  denial?(caller: string, action: string, resource: string): string | undefined;
  nested: NestedExecutions;
}

export class Integrations {
  private readonly options: IntegrationOptions;

  constructor(options: IntegrationOptions) {
    this.options = options;
  }

  async call(task: TaskInfo, input: Json, caller: TaskCaller): Promise<unknown> {
    const { target } = task;
    const params = (input ?? {}) as Record<string, unknown>;
    switch (target.kind) {
      case 'lambda': {
        if (!target.functionFromParameters)
          return this.invoke(caller.stateMachineArn, target.functionName ?? '', input);
        const functionName = params.FunctionName;
        if (typeof functionName !== 'string') {
          throw new TaskError('States.Runtime', `${task.stateName}: Parameters.FunctionName is required`);
        }
        const payload = await this.invoke(caller.stateMachineArn, functionName, params.Payload ?? null);
        return {
          ExecutedVersion: '$LATEST',
          Payload: payload,
          StatusCode: 200,
          SdkHttpMetadata: { HttpStatusCode: 200 },
        };
      }
      case 'dynamodb-optimized':
        return this.sdkCall(caller.stateMachineArn, 'dynamodb', target.action, params, 'DynamoDB');
      case 'aws-sdk':
        return this.sdkCall(
          caller.stateMachineArn,
          target.service,
          target.action,
          params,
          target.service === 'dynamodb' ? 'DynamoDb' : 'SesV2',
        );
      case 'start-execution':
        return this.startNested(caller, target.pattern, params);
    }
  }

  private async invoke(caller: string, functionName: string, payload: unknown): Promise<unknown> {
    const name = functionName.includes(':function:')
      ? (functionName.split(':function:')[1]?.split(':')[0] ?? functionName)
      : functionName;
    try {
      return await this.options.invokeFunction(name, payload, caller);
    } catch (error) {
      // As Lambda reports a handler error to Step Functions: its name as the error, a JSON cause.
      // An error of the Lambda service itself (Lambda.ServiceException, Lambda.TooManyRequestsException,
      // ...) is no function error: Step Functions names it so, with the service's message as the cause.
      const err = error instanceof Error ? error : new Error(String(error));
      const errorType = err.name || 'Error';
      if (errorType.startsWith('Lambda.')) throw new TaskError(errorType, err.message);
      throw new TaskError(
        errorType,
        JSON.stringify({ errorType, errorMessage: err.message, trace: err.stack?.split('\n') ?? [] }),
      );
    }
  }

  private async sdkCall(
    caller: string,
    service: 'dynamodb' | 'sesv2',
    action: string,
    params: Record<string, unknown>,
    errorPrefix: string,
  ): Promise<unknown> {
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const module = (service === 'dynamodb' ? DynamoDB : SESv2) as unknown as Record<string, unknown>;
    const Command = module[commandName] as (new (input: unknown) => unknown) | undefined;
    if (!Command) throw new TaskError('States.Runtime', `${service}:${action} is not an API action`);
    // With the state machine's own credentials: the local front checks them as IAM checks its role.
    const clients = this.options.clientsFor(caller);
    const client = (service === 'dynamodb' ? clients.dynamodb : clients.sesv2) as {
      send(command: unknown): Promise<Record<string, unknown>>;
    };
    try {
      const { $metadata: _metadata, ...output } = await client.send(new Command(params));
      return output;
    } catch (error) {
      const err = error as Error;
      throw new TaskError(`${errorPrefix}.${err.name}`, err.message);
    }
  }

  private async startNested(
    caller: TaskCaller,
    pattern: IntegrationPattern,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    const { nested } = this.options;
    const stateMachineArn = String(params.StateMachineArn ?? '');
    const inputValue = params.Input ?? {};
    const input = typeof inputValue === 'string' ? inputValue : JSON.stringify(inputValue);
    const name = typeof params.Name === 'string' ? params.Name : undefined;
    this.authorizeNested(caller.stateMachineArn, stateMachineArn, pattern);
    let started: { executionArn: string; startDate: string };
    try {
      started = nested.start({ stateMachineArn, name, input });
    } catch (error) {
      const arn = name ? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` : '';
      const existing = arn ? nested.get(arn) : undefined;
      // Re-entered after a restart or a redrive: the child this task started before is the same execution.
      if (!(caller.entry !== 'start' && existing && existing.input === input)) {
        const err = error as StepFunctionsApiError;
        throw new TaskError(`StepFunctions.${err.code ?? err.name}`, err.message);
      }
      started = { executionArn: arn, startDate: existing.startDate };
      if (caller.entry === 'redrive') nested.redriveIfRedrivable(arn);
    }
    caller.adopt(started.executionArn);
    if (pattern === 'request-response')
      return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    const child = await nested.wait(started.executionArn);
    const described = nested.describe(child.executionArn);
    if (child.status === 'SUCCEEDED') {
      return {
        ...described,
        ExecutionArn: child.executionArn,
        Status: child.status,
        Output: pattern === 'sync-json' ? JSON.parse(child.output ?? 'null') : child.output,
      };
    }
    throw new TaskError('States.TaskFailed', JSON.stringify(described));
  }

  /**
   * The parent's role must allow starting the child and, for `.sync`, following and stopping its
   * executions and the managed events rule (what the stack grants for nesting). A denial fails the
   * task as the optimized integration reports a service error, before anything is started.
   */
  private authorizeNested(caller: string, child: string, pattern: IntegrationPattern): void {
    const denial = this.options.denial;
    if (!denial) return;
    const [, partition, , region, account] = child.split(':');
    const needs: [string, string][] = [['states:StartExecution', child]];
    if (pattern !== 'request-response') {
      const executions = `${child.replace(':stateMachine:', ':execution:')}:*`;
      needs.push(['states:DescribeExecution', executions], ['states:StopExecution', executions]);
      const rule = `arn:${partition}:events:${region}:${account}:rule/${SYNC_EVENTS_RULE}`;
      for (const action of SYNC_EVENTS_ACTIONS) needs.push([action, rule]);
    }
    for (const [action, resource] of needs) {
      const denied = denial(caller, action, resource);
      if (denied)
        throw new TaskError(
          'StepFunctions.AWSStepFunctionsException',
          `${denied} (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException)`,
        );
    }
  }
}
