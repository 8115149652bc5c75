/**
 * Where the local cloud keeps what it can always rebuild (handler bundles, V8's compiled code, flows
 * already found valid): `node_modules/.cache` of the checkout, or JIF_CACHE_DIR (the bench points it
 * at an empty directory to time a fresh clone's start without wiping this checkout's cache).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function cacheDir(name: string, root = ROOT): string {
  const base = process.env.JIF_CACHE_DIR
    ? resolve(process.env.JIF_CACHE_DIR)
    : join(root, 'node_modules', '.cache');
  return join(base, name);
}
