/** The workflows, by the name `infra/system.ts` gives them. */
export { approval } from './approval.ts';
export { evaluationFlow as evaluation } from './evaluation.ts';
export { releaseDueFunds } from './release-due-funds.ts';
export { signOff } from './sign-off.ts';
