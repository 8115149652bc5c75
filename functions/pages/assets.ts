/**
 * Static files served by the system. The stylesheet sits beside this module and is read once; the
 * AWS bundler copies it next to the bundle (infra/aws/function.ts), so the same relative read works.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const STYLESHEET = readFileSync(join(here, 'jif.css'), 'utf8');
/** Content hash in the URL, so the file can be cached for a year and still change on deploy. */
export const STYLESHEET_VERSION = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
export const STYLESHEET_PATH = '/assets/jif.css';
