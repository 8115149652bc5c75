/** A local cloud for one bench section: started in its own temporary directory, always stopped. */
import type { LocalCloudOptions } from '../../infra/local/cloud.ts';
import { startTestCloud, type TestCloud } from '../support/cloud.ts';

export async function withCloud<T>(
  options: LocalCloudOptions,
  fn: (cloud: TestCloud) => Promise<T>,
): Promise<T> {
  // Real-time-ish: the flows' waits are not what is measured, so shrink them like the tests do.
  const cloud = await startTestCloud({ timeScale: 0.01, ...options });
  try {
    return await fn(cloud);
  } finally {
    await cloud.close();
  }
}
