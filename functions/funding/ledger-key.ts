/**
 * The ledger's key, held outside its table: each record is sealed with an HMAC over its sequence and
 * hash, so someone who can write the table but holds no key cannot rebuild a chain that verifies.
 * In AWS a KMS HMAC_256 key (`LEDGER_KEY_ID`: GenerateMac / VerifyMac, the key never leaves KMS);
 * in local mode a key file in the local data directory (`LEDGER_KEY_FILE`, created on first use).
 * Which one is configuration only: the handlers do not know where they run.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GenerateMacCommand, KMSClient, KMSInvalidMacException, VerifyMacCommand } from '@aws-sdk/client-kms';
import { config } from '../platform/config.ts';

export interface LedgerKey {
  sign(message: string): Promise<string>;
  verify(message: string, mac: string): Promise<boolean>;
}

export const sealMessage = (seq: number, hash: string) => `JIF-LEDGER:${seq}:${hash}`;

/** The local mode's key: a file created on first use (exported for the bench, which holds the key). */
export function fileKey(path: string): LedgerKey {
  let secret: Buffer | undefined;
  const load = () => {
    if (!secret) {
      try {
        secret = readFileSync(path);
      } catch {
        mkdirSync(dirname(path), { recursive: true });
        try {
          // `wx`: two first users at once keep whichever key was written first.
          writeFileSync(path, randomBytes(32), { flag: 'wx', mode: 0o600 });
        } catch {}
        secret = readFileSync(path);
      }
    }
    return secret;
  };
  const mac = (message: string) => createHmac('sha256', load()).update(message).digest('hex');
  return {
    sign: async (message) => mac(message),
    verify: async (message, given) => {
      const expected = Buffer.from(mac(message), 'hex');
      const actual = Buffer.from(given, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

function kmsKey(keyId: string): LedgerKey {
  // Named imports, not `import()`: a dynamic import keeps the whole KMS client (every command) in the
  // single-file bundle, 41 KiB more to parse at start-up than the three commands used here.
  const client = new KMSClient({});
  return {
    async sign(message) {
      const { Mac } = await client.send(
        new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(message) }),
      );
      if (!Mac) throw new Error('KMS GenerateMac answered no MAC');
      return Buffer.from(Mac).toString('hex');
    },
    async verify(message, mac) {
      try {
        const { MacValid } = await client.send(
          new VerifyMacCommand({
            KeyId: keyId,
            MacAlgorithm: 'HMAC_SHA_256',
            Message: Buffer.from(message),
            Mac: Buffer.from(mac, 'hex'),
          }),
        );
        return MacValid === true;
      } catch (error) {
        if (error instanceof KMSInvalidMacException) return false;
        throw error;
      }
    },
  };
}

let cached: LedgerKey | undefined;

export function ledgerKey(): LedgerKey {
  if (!cached) {
    const { LEDGER_KEY_ID, LEDGER_KEY_FILE } = config();
    if (LEDGER_KEY_ID) cached = kmsKey(LEDGER_KEY_ID);
    else if (LEDGER_KEY_FILE) cached = fileKey(LEDGER_KEY_FILE);
    else throw new Error('Invalid configuration: LEDGER_KEY_ID or LEDGER_KEY_FILE must be set');
  }
  return cached;
}

/** Tests change the environment between cases. */
export function resetLedgerKeyForTests(): void {
  cached = undefined;
}
