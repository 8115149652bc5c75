/**
 * POST /proposals (port-authority): validates, stores, starts the approval workflow.
 * An `Idempotency-Key` makes retries safe: Powertools idempotency returns the first answer, and the
 * proposal id and execution name derive from the key, so even a retry after a crash creates nothing new.
 */
import { randomUUID } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type Envelope, getEnvelopes } from '../../funding/data/envelopes.ts';
import { config, fundStart, requireStateMachineArn } from '../../platform/config.ts';
import { dynamodb } from '../../platform/dynamodb.ts';
import { badRequest, conflict, HttpError, unprocessable } from '../../platform/errors.ts';
import { header, json, jsonApiHandler } from '../../platform/http.ts';
import { logger } from '../../platform/logger.ts';
import { countEvent, metrics } from '../../platform/metrics.ts';
import { sfn } from '../../platform/sfn.ts';
import { deleteProposalIfStatus, insertProposal } from '../data/proposals.ts';
import { needsRoadAuthorityAgreement } from '../domain/categories.ts';
import {
  calendarErrors,
  commitmentSchedule,
  type FieldError,
  MAX_PROPOSAL_BYTES,
  type ProposalInput,
  parseProposal,
  proposalIdFor,
  type RemainingRoom,
  roomWarnings,
} from '../domain/proposal.ts';
import type { ProposalStatus } from '../domain/statuses.ts';

interface Submission {
  /** Owner and key together: one port authority's key never collides with another's. */
  idempotencyKey: string;
  ownerSub: string;
  input: ProposalInput;
}
interface Submitted {
  proposalId: string;
  status: ProposalStatus;
  /** Years asked for beyond their envelope's room at intake (the proposal is taken in all the same). */
  warnings?: FieldError[];
}

const MAX_KEY_LENGTH = 255;

async function submit(submission: Submission): Promise<Submitted> {
  const proposalId = submission.idempotencyKey ? proposalIdFor(submission.idempotencyKey) : randomUUID();
  const status: ProposalStatus = needsRoadAuthorityAgreement(submission.input.category)
    ? 'AWAITING_AGREEMENT'
    : 'AWAITING_SIGN_OFF';
  const { created, record } = await insertProposal(
    proposalId,
    submission.input,
    submission.ownerSub,
    status,
    new Date().toISOString(),
  );
  // The key's idempotency record may have expired (24 h) while the proposal it made stays: a reuse
  // with another body must not be answered with the old proposal as if it were this one.
  if (!created && !sameProposal(record, submission.input)) {
    throw unprocessable('This Idempotency-Key was already used with a different proposal', [
      { path: 'Idempotency-Key', message: 'reused with a different body' },
    ]);
  }
  // The event happens once per proposal: when its approval workflow starts (a retry finds it started).
  let started = false;
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: requireStateMachineArn('APPROVAL_STATE_MACHINE_ARN'),
        name: proposalId,
        input: JSON.stringify({
          proposalId,
          category: record.category,
          commitments: commitmentSchedule(record.funding),
        }),
      }),
    );
    started = true;
  } catch (error) {
    // Same name and input while running is the same execution; a finished one means a retry after success.
    if (!(error instanceof ExecutionAlreadyExists)) {
      if (!submission.idempotencyKey) await deleteProposalIfStatus(proposalId, status).catch(() => {});
      throw new HttpError(503, 'The approval workflow could not be started; please retry', [], {
        cause: error,
      });
    }
  }
  if (started) countEvent('ProposalSubmitted');
  logger.info('proposal submitted', { proposalId, category: record.category, started });
  // Part of the first answer, so a retry with the same key gets the very same one.
  const warnings = roomWarnings(record, remainingRoom(await getEnvelopes()));
  return { proposalId, status: record.status, ...(warnings.length > 0 ? { warnings } : {}) };
}

function remainingRoom(envelopes: Envelope[]): RemainingRoom {
  return Object.fromEntries(envelopes.map((e) => [e.fundYear, e.capEurCents - e.committedEurCents]));
}

function sameProposal(record: ProposalInput, input: ProposalInput): boolean {
  const pick = (p: ProposalInput) =>
    JSON.stringify([
      p.title,
      p.category,
      p.description,
      p.contactEmail,
      p.funding.map((l) => [l.fundYear, l.purpose, l.amountEurCents]),
    ]);
  return pick(record) === pick(input);
}

/**
 * A retry that arrives while the first request is still being processed waits for its answer
 * (bounded) instead of failing: the caller gets the first answer, as the contract promises.
 */
async function runOnce(run: (submission: Submission) => Promise<Submitted>, submission: Submission) {
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  for (;;) {
    try {
      return await run(submission);
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
const IN_PROGRESS_WAIT_MS = 5_000;

let idempotentSubmit: ((submission: Submission) => Promise<Submitted>) | undefined;
let idempotencyConfig: IdempotencyConfig | undefined;

function submitOnce() {
  if (!idempotentSubmit) {
    const tableName = config().IDEMPOTENCY_TABLE_NAME;
    if (!tableName) throw new Error('Invalid configuration: IDEMPOTENCY_TABLE_NAME is not set');
    idempotencyConfig = new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      payloadValidationJmesPath: 'input',
      expiresAfterSeconds: 24 * 3600,
    });
    idempotentSubmit = makeIdempotent(submit, {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamodb }),
      config: idempotencyConfig,
    });
  }
  return { run: idempotentSubmit, config: idempotencyConfig as IdempotencyConfig };
}

export const handler = jsonApiHandler(
  {
    maxBytes: MAX_PROPOSAL_BYTES,
    unsupportedMessage: 'Send the proposal as JSON with Content-Type: application/json',
  },
  async (event, caller, context) => {
    const body = event.body;
    const parsed = parseProposal(body);
    const ended = calendarErrors(body, fundStart(), new Date());
    if (!parsed.ok || ended.length > 0) {
      throw badRequest('The proposal is not valid', [...(parsed.ok ? [] : parsed.errors), ...ended]);
    }

    const key = header(event, 'idempotency-key')?.trim();
    if (key !== undefined && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
      throw badRequest('Invalid Idempotency-Key', [
        { path: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} characters` },
      ]);
    }
    const submission: Submission = { idempotencyKey: '', ownerSub: caller.sub, input: parsed.value };
    let result: Submitted;
    if (key) {
      submission.idempotencyKey = `${caller.sub}\n${key}`;
      const once = submitOnce();
      once.config.registerLambdaContext(context);
      try {
        result = await runOnce(once.run, submission);
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          throw unprocessable('This Idempotency-Key was already used with a different proposal', [
            { path: 'Idempotency-Key', message: 'reused with a different body' },
          ]);
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw conflict('A request with this Idempotency-Key is still being processed; retry shortly');
        }
        throw (error as Error & { cause?: unknown }).cause instanceof HttpError
          ? (error as { cause: Error }).cause
          : error;
      }
    } else {
      result = await submit(submission);
    }
    return json(201, result, { Location: `/proposals/${result.proposalId}` });
  },
  logMetrics(metrics),
);
