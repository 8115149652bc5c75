import { GenerateMacCommand, KMSClient, KMSInvalidMacException, VerifyMacCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ledgerKey, resetLedgerKeyForTests, sealMessage } from '../../functions/funding/ledger-key.ts';
import { resetConfigForTests } from '../../functions/platform/config.ts';

const kms = mockClient(KMSClient);

describe('ledgerKey with a KMS key (LEDGER_KEY_ID, as in AWS)', () => {
  beforeEach(() => {
    vi.stubEnv('FUND_START_DATE', '2025-04-01');
    vi.stubEnv('LEDGER_KEY_ID', 'alias/jif-ledger');
    vi.stubEnv('LEDGER_KEY_FILE', undefined);
    resetConfigForTests();
    resetLedgerKeyForTests();
    kms.reset();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    resetConfigForTests();
    resetLedgerKeyForTests();
  });

  it('seals with GenerateMac (HMAC_SHA_256 over the message) and gives the MAC as hex', async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: Uint8Array.from([0xab, 0x01]) });
    expect(await ledgerKey().sign(sealMessage(3, 'f00d'))).toBe('ab01');
    const [call] = kms.commandCalls(GenerateMacCommand);
    expect(call?.args[0].input).toMatchObject({ KeyId: 'alias/jif-ledger', MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(call?.args[0].input.Message ?? []).toString()).toBe('JIF-LEDGER:3:f00d');
  });

  it('verifies with VerifyMac: valid, and false (not an error) for a MAC KMS calls invalid', async () => {
    kms.on(VerifyMacCommand).resolvesOnce({ MacValid: true });
    expect(await ledgerKey().verify('m', 'ab01')).toBe(true);
    expect(Buffer.from(kms.commandCalls(VerifyMacCommand)[0]?.args[0].input.Mac ?? [])).toEqual(
      Buffer.from([0xab, 0x01]),
    );
    kms.on(VerifyMacCommand).rejects(new KMSInvalidMacException({ message: 'invalid', $metadata: {} }));
    expect(await ledgerKey().verify('m', 'ab02')).toBe(false);
  });

  it('lets any other KMS error through', async () => {
    kms.on(VerifyMacCommand).rejects(new Error('throttled'));
    await expect(ledgerKey().verify('m', 'ab01')).rejects.toThrow('throttled');
  });
});
