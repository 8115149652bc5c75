/**
 * Writes each workflow as an ASL JSON file (placeholders left in), to open in the console's
 * Workflow Studio or diff by eye: `npm run asl [-- outDir]` (default `cdk.out/asl`). The files are
 * generated, never edited: the workflows are written in `workflows/*.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { system } from '../infra/system.ts';

const outDir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'cdk.out', 'asl'));
mkdirSync(outDir, { recursive: true });
for (const [name, spec] of Object.entries(system.workflows)) {
  const file = join(outDir, `${name}.asl.json`);
  writeFileSync(file, `${JSON.stringify(spec.definition, null, 2)}\n`);
  console.log(file);
}
