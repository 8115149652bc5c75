/**
 * The business-key pointer of a sign-off request: (subject, authority) -> approvalId, stored in the
 * subject's partition. Apart from sign-offs.ts so that reading a proposal's partition (which holds its
 * pointers) does not bundle the requests' module.
 */
import * as v from 'valibot';
import { codec } from '../../platform/table.ts';
import { AUTHORITIES } from '../domain/sign-off.ts';

export const signOffPointer = codec(
  'SignOffPointer',
  v.object({
    approvalId: v.string(),
    authority: v.optional(v.picklist(AUTHORITIES)),
    createdAt: v.optional(v.string()),
  }),
);
export type SignOffPointer = ReturnType<typeof signOffPointer.decode>;
