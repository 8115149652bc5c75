import * as z from 'zod';
import { CATEGORIES, FUNDING_PURPOSES } from './categories.ts';
import { ENVELOPE_CAP_EUR_CENTS, FUND_YEARS } from './fund.ts';

/** The largest body `POST /proposals` accepts. */
export const MAX_PROPOSAL_BYTES = 64 * 1024;

export const fundingLineSchema = z.strictObject({
  fundYear: z
    .number({ error: 'must be a number: 1, 2 or 3' })
    .int('must be a whole number: 1, 2 or 3')
    .min(1, 'must be a fund year between 1 and 3')
    .max(FUND_YEARS.length, 'must be a fund year between 1 and 3'),
  purpose: z.enum(FUNDING_PURPOSES, { error: `must be one of ${FUNDING_PURPOSES.join(', ')}` }),
  amountEurCents: z
    .number({ error: 'must be an integer number of euro cents' })
    .int('must be an integer number of euro cents, not a fraction')
    .positive('must be positive')
    .max(
      ENVELOPE_CAP_EUR_CENTS,
      `must not exceed the fund year's cap of ${ENVELOPE_CAP_EUR_CENTS} euro cents`,
    ),
});

export const proposalInputSchema = z
  .strictObject({
    title: z
      .string({ error: 'is required: a short title' })
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters'),
    category: z.enum(CATEGORIES, { error: `must be one of ${CATEGORIES.join(', ')}` }),
    description: z
      .string({ error: 'is required: what the money is for' })
      .trim()
      .min(1, 'must not be empty')
      .max(10_000, 'must be at most 10000 characters'),
    contactEmail: z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters'),
    funding: z
      .array(fundingLineSchema, { error: 'must be a list of funding lines' })
      .min(1, 'must have at least one funding line')
      .max(FUND_YEARS.length * 2, 'must have at most one line per fund year and purpose'),
  })
  .superRefine((proposal, ctx) => {
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
  });

export type ProposalInput = z.infer<typeof proposalInputSchema>;
export type FundingLine = z.infer<typeof fundingLineSchema>;

export interface FieldError {
  path: string;
  message: string;
}

/** Every offending field, by dotted path (`funding.0.amountEurCents`), unknown fields included. */
export function fieldErrors(error: z.ZodError): FieldError[] {
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
    .int('must be a whole number: 1 or 2')
    .min(1, 'must be a fund year between 1 and 3')
    .max(FUND_YEARS.length, 'must be a fund year between 1 and 3'),
});
