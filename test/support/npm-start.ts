/**
 * `npm start` (infra/local/main.ts) in a child process, as a user runs it: started on a port with a
 * data directory, stopped with Ctrl-C, or killed with SIGKILL as a crash would (no shutdown hook).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REPO_ROOT } from '../../infra/local/cloud.ts';
import { REGION } from '../../infra/local/names.ts';

export interface Email {
  to: string[];
  subject: string;
  text: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** A started stack with the dev tokens and the AWS clients a script would point at its endpoints. */
export interface Running {
  base: string;
  tokens: Record<string, string>;
  db: DynamoDBDocumentClient;
  sfn: SFNClient;
}

export class NpmStart {
  private child: ChildProcess | undefined;
  /** What the running (or last) process printed. */
  output = '';

  private readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Starts it, then reads its tokens and endpoints (they move on restart) and makes clients for them. */
  async running(port: number, timeScale?: string): Promise<Running> {
    const base = await this.start(port, timeScale);
    const tokens = (await (await fetch(`${base}/local/tokens`)).json()) as Record<string, string>;
    const { endpoints } = (await (await fetch(`${base}/local/health`)).json()) as {
      endpoints: { dynamodb: string; stepfunctions: string };
    };
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    return {
      base,
      tokens,
      db: DynamoDBDocumentClient.from(
        new DynamoDBClient({ region: REGION, endpoint: endpoints.dynamodb, credentials }),
      ),
      sfn: new SFNClient({ region: REGION, endpoint: endpoints.stepfunctions, credentials }),
    };
  }

  /** Starts it and resolves with its base URL once `/local/health` answers. */
  async start(port: number, timeScale = '0.001'): Promise<string> {
    this.output = '';
    // Node itself with tsx's loader, not the tsx CLI: the CLI runs the server in a child process,
    // which a SIGKILL of the CLI would leave running (an orphan still serving, so nothing was killed).
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, JIF_PORT: String(port), JIF_DATA_DIR: this.dataDir, JIF_TIME_SCALE: timeScale },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const health = await fetch(`${base}/local/health`);
        if (health.status === 200) return base;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`npm start did not come up:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Ctrl-C; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const running = this.child;
    if (!running || running.exitCode !== null) return running?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
    running.kill('SIGINT');
    return exited;
  }

  /** As a crash or `kill -9` would: no shutdown hook runs, nothing is flushed on the way out. */
  async kill(): Promise<void> {
    const running = this.child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  }

  /** Polls `probe` until it answers something other than undefined (30 s at most). */
  async waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
