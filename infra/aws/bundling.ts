/**
 * How every handler is bundled for Lambda: read by the CDK functions (function.ts) and by the
 * bench, which bundles the same way to measure what Lambda loads. No CDK import, so it stays cheap.
 */

/** Lets esbuild's ESM output load the CommonJS dependencies that call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Modules left out of the bundle (none: the AWS SDK versions the tests ran against ship with it). */
export const EXTERNAL_MODULES: string[] = [];

/** Files a handler reads beside its bundle (the pages' stylesheet), copied into each asset. */
export const BUNDLED_FILES = ['functions/pages/jif.css'];

/**
 * The construct id of a function of the description in the stack (`submitProposal` ->
 * `SubmitProposalFunction`): the local cloud finds a function's synthesized asset by it.
 */
export const functionConstructId = (name: string): string =>
  `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;
