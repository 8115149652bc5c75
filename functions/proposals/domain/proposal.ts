import { createHash } from 'node:crypto';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import {
  ENVELOPE_CAP_EUR_CENTS,
  FUND_YEARS,
  type FundYear,
  fundYearBounds,
  isFundYear,
  MAX_FUNDING_LINES,
} from '../../funding/domain/fund.ts';
import { formatEuros } from '../../funding/domain/money.ts';
import { isMultiLineText, isOneLineText, MULTI_LINE_MESSAGE, ONE_LINE_MESSAGE } from '../../platform/text.ts';
import { CATEGORIES, FUNDING_PURPOSES } from './categories.ts';

/** The largest body `POST /proposals` accepts. */
export const MAX_PROPOSAL_BYTES = 64 * 1024;

export { MAX_FUNDING_LINES } from '../../funding/domain/fund.ts';

// zod's functional `zod/mini` entry, not the chained `zod`: the same checks and messages in about a
// quarter of the bundle (the chained API keeps every method of every schema type: 88 KiB in the
// handlers that validate with it). Its English messages, which `zod` loads by itself, for the issues
// without a message of ours (a body that is not an object).
z.config(en());

export const fundingLineSchema = z
  .strictObject({
    fundYear: z
      .number({ error: 'must be a number: 1, 2 or 3' })
      .check(
        z.int('must be a whole number: 1, 2 or 3'),
        z.gte(1, 'must be a fund year between 1 and 3'),
        z.lte(FUND_YEARS.length, 'must be a fund year between 1 and 3'),
      ),
    purpose: z.enum(FUNDING_PURPOSES, { error: `must be one of ${FUNDING_PURPOSES.join(', ')}` }),
    amountEurCents: z
      .number({ error: 'must be an integer number of euro cents' })
      .check(
        z.int('must be an integer number of euro cents, not a fraction'),
        z.positive('must be positive'),
        z.lte(
          ENVELOPE_CAP_EUR_CENTS,
          `must not exceed the fund year's cap of ${ENVELOPE_CAP_EUR_CENTS} euro cents`,
        ),
      ),
  })
  // On the line itself, so it is listed beside the errors of other lines and fields (a check of the
  // whole proposal runs only once everything else is valid).
  .check(
    z.superRefine((line, ctx) => {
      // A running-cost tranche of year N+1 is decided by the evaluation of year N: year 1 has none.
      if (line.purpose === 'RUNNING_COST' && line.fundYear === 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['purpose'],
          message:
            'RUNNING_COST lines are for fund years 2 and 3 only: running costs are paid after the evaluation of the year before',
        });
      }
    }),
  );

export const proposalInputSchema = z
  .strictObject({
    title: z
      .string({ error: 'is required: a short title' })
      .check(
        z.trim(),
        z.minLength(1, 'must not be empty'),
        z.maxLength(200, 'must be at most 200 characters'),
        z.refine(isOneLineText, ONE_LINE_MESSAGE),
      ),
    category: z.enum(CATEGORIES, { error: `must be one of ${CATEGORIES.join(', ')}` }),
    description: z
      .string({ error: 'is required: what the money is for' })
      .check(
        z.trim(),
        z.minLength(1, 'must not be empty'),
        z.maxLength(10_000, 'must be at most 10000 characters'),
        z.refine(isMultiLineText, MULTI_LINE_MESSAGE),
      ),
    // An address with a control or bidi character is no email address: z.email refuses it.
    contactEmail: z
      .email({ error: 'must be an email address' })
      .check(z.maxLength(254, 'must be at most 254 characters')),
    funding: z
      .array(fundingLineSchema, { error: 'must be a list of funding lines' })
      .check(
        z.minLength(1, 'must have at least one funding line'),
        z.maxLength(MAX_FUNDING_LINES, 'must have at most one line per fund year and purpose'),
      ),
  })
  .check(
    z.superRefine((proposal, ctx) => {
      const seen = new Map<string, number>();
      const perYear = new Map<number, number>();
      proposal.funding.forEach((line, index) => {
        const key = `${line.fundYear}/${line.purpose}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['funding', index],
            message: `duplicates line ${seen.get(key)}: one line per fund year and purpose`,
          });
        } else seen.set(key, index);
        perYear.set(line.fundYear, (perYear.get(line.fundYear) ?? 0) + line.amountEurCents);
      });
      for (const [year, total] of perYear) {
        if (total > ENVELOPE_CAP_EUR_CENTS) {
          ctx.addIssue({
            code: 'custom',
            path: ['funding'],
            message: `fund year ${year} asks for ${total} euro cents in all, above the year's cap of ${ENVELOPE_CAP_EUR_CENTS}`,
          });
        }
      }
    }),
  );

/** The room left in each fund year's envelope (cap minus committed), as intake sees it. */
export type RemainingRoom = Partial<Record<FundYear, number>>;

/**
 * The rules that depend on the calendar: no funding line for a fund year that has already ended
 * (400, like any other invalid line).
 */
export function calendarErrors(body: unknown, fundStart: Date, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  // Read from the raw body, so these errors are listed beside any others the schema finds.
  const funding = body && typeof body === 'object' && 'funding' in body ? body.funding : undefined;
  if (!Array.isArray(funding)) return errors;
  funding.forEach((line: unknown, index) => {
    const fundYear = line && typeof line === 'object' && 'fundYear' in line ? line.fundYear : undefined;
    if (!isFundYear(fundYear)) return;
    const { end } = fundYearBounds(fundStart, fundYear);
    if (now >= end) {
      errors.push({
        path: `funding.${index}.fundYear`,
        message: `fund year ${fundYear} ended on ${end.toISOString().slice(0, 10)}: no line may be added to it`,
      });
    }
  });
  return errors;
}

/**
 * Years this proposal asks more of than their envelope has left now: a warning, not a refusal. Room
 * can still come back before both sign-offs (a released commitment, an evaluation's unused running
 * costs), and the commit step after sign-off is what decides; but the caller learns now that, as
 * things stand, the proposal would end FUNDS_UNAVAILABLE.
 */
export function roomWarnings(input: ProposalInput, remaining: RemainingRoom): FieldError[] {
  const perYear = new Map<number, { total: number; first: number }>();
  input.funding.forEach((line, index) => {
    const entry = perYear.get(line.fundYear) ?? { total: 0, first: index };
    entry.total += line.amountEurCents;
    perYear.set(line.fundYear, entry);
  });
  const warnings: FieldError[] = [];
  for (const [year, { total, first }] of perYear) {
    const left = (isFundYear(year) ? remaining[year] : undefined) ?? ENVELOPE_CAP_EUR_CENTS;
    if (total > left) {
      warnings.push({
        path: `funding.${first}.amountEurCents`,
        message: `fund year ${year} has ${formatEuros(left)} left and this proposal asks for ${formatEuros(total)} in that year: unless room is freed before both sign-offs, it will end FUNDS_UNAVAILABLE`,
      });
    }
  }
  return warnings;
}

export type ProposalInput = z.infer<typeof proposalInputSchema>;
export type FundingLine = z.infer<typeof fundingLineSchema>;

export interface FieldError {
  path: string;
  message: string;
}

/** Every offending field, by dotted path (`funding.0.amountEurCents`), unknown fields included. */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ path: [...issue.path, key].join('.'), message: 'is not a known field' });
      }
    } else {
      errors.push({ path: issue.path.join('.') || '(body)', message: issue.message });
    }
  }
  return errors;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function parseProposal(body: unknown): ParseResult<ProposalInput> {
  const result = proposalInputSchema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(result.error) };
}

/** `POST /evaluations`: which fund year's annual evaluation to start. */
export const evaluationStartSchema = z.strictObject({
  fundYear: z
    .number({ error: 'must be a number: 1 or 2' })
    .check(
      z.int('must be a whole number: 1 or 2'),
      z.gte(1, 'must be a fund year between 1 and 3'),
      z.lte(FUND_YEARS.length, 'must be a fund year between 1 and 3'),
    ),
  /** Why the evaluation starts before its window opens (30 days before the year ends); recorded and shown. */
  reason: z.optional(
    z
      .string({ error: 'must be text' })
      .check(
        z.trim(),
        z.minLength(1, 'must say why the evaluation starts early'),
        z.maxLength(1000, 'must be at most 1000 characters'),
        z.refine(isMultiLineText, MULTI_LINE_MESSAGE),
      ),
  ),
});

/** What the approval flow commits, one entry per fund year (investment and running costs together). */
export function commitmentSchedule(funding: FundingLine[]): { fundYear: number; amountEurCents: number }[] {
  const perYear = new Map<number, number>();
  for (const line of funding)
    perYear.set(line.fundYear, (perYear.get(line.fundYear) ?? 0) + line.amountEurCents);
  return [...perYear.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fundYear, amountEurCents]) => ({ fundYear, amountEurCents }));
}

/** A UUID derived from the caller and the key: the same retry always names the same proposal. */
export function proposalIdFor(idempotencyKey: string): string {
  const hex = createHash('sha256').update(idempotencyKey).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
