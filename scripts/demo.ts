/**
 * `npm run demo`: a tour a newcomer can watch. Against a running `npm start` (JIF_BASE_URL, default
 * http://localhost:3000), or, if none answers, a stack it starts itself (kept running until Ctrl-C).
 * Submits the declaration's kinds of proposal, approves some through their emailed links, leaves
 * others waiting, and prints what to open and click next.
 */
import { startLocalCloud } from '../infra/local/cloud.ts';

interface OutboxEmail {
  to: string[];
  subject: string;
  text: string;
}

const proposals = [
  {
    decide: 'both',
    body: {
      title: 'Ring road fencing, phase 1',
      category: 'PORT_SECURITY_INFRASTRUCTURE',
      description:
        'Robust fences along the ring road access to the public area of the port, per the investment programme.',
      contactEmail: 'port@port-calais.example',
      funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 120_000_000 }],
    },
  },
  {
    decide: 'uk-only',
    body: {
      title: 'East parking area: CCTV, lighting and guarding',
      category: 'PARKING_AREA_SECURITY',
      description:
        'Security of the parking area in the east of the port: investment and annual security costs.',
      contactEmail: 'port@port-calais.example',
      funding: [
        { fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 80_000_000 },
        { fundYear: 2, purpose: 'RUNNING_COST', amountEurCents: 15_000_000 },
        { fundYear: 3, purpose: 'RUNNING_COST', amountEurCents: 15_000_000 },
      ],
    },
  },
  {
    decide: 'none',
    body: {
      title: 'Temporary barriers on the approach road',
      category: 'TEMPORARY_SECURITY_MEASURE',
      description: 'Temporary barriers pending the permanent fences; needs the road authority to agree.',
      contactEmail: 'port@port-calais.example',
      funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 9_500_000 }],
    },
  },
  {
    decide: 'none',
    body: {
      title: 'Support for victims of trafficking',
      category: 'VULNERABLE_PERSONS_SUPPORT',
      description:
        'Protection, support and assistance for vulnerable persons such as victims of human trafficking.',
      contactEmail: 'port@port-calais.example',
      funding: [{ fundYear: 1, purpose: 'INVESTMENT', amountEurCents: 25_000_000 }],
    },
  },
] as const;

async function reachable(baseUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/local/health`)).ok;
  } catch {
    return false;
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function linkIn(email: OutboxEmail): string | undefined {
  return /https?:\/\/\S+\/approvals\/\S+/.exec(email.text)?.[0];
}

async function main() {
  let baseUrl = process.env.JIF_BASE_URL ?? `http://localhost:${process.env.JIF_PORT ?? '3000'}`;
  let stop: (() => Promise<void>) | undefined;
  if (!(await reachable(baseUrl))) {
    console.log(`No JIF at ${baseUrl}: starting one for the demo (data in .jif-demo).`);
    const cloud = await startLocalCloud({
      port: Number(process.env.JIF_PORT ?? '3000'),
      dataDir: '.jif-demo',
      reset: true,
    });
    baseUrl = cloud.baseUrl;
    stop = () => cloud.stop();
  }
  const tokens = (await (await fetch(`${baseUrl}/local/tokens`)).json()) as Record<string, string>;
  const outbox = async () => (await (await fetch(`${baseUrl}/local/outbox`)).json()) as OutboxEmail[];
  const emailFor = (to: string, proposalId: string) =>
    waitFor(
      async () => (await outbox()).find((e) => e.to.includes(to) && e.text.includes(proposalId)),
      `email to ${to}`,
    );

  const waiting: string[] = [];
  for (const { body, decide } of proposals) {
    const response = await fetch(`${baseUrl}/proposals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['port-authority']}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { proposalId, status } = (await response.json()) as { proposalId: string; status: string };
    console.log(`\nSubmitted "${body.title}" -> ${proposalId} (${status})`);

    if (body.category === 'TEMPORARY_SECURITY_MEASURE') {
      const road = await emailFor('routes@dir-nord.example', proposalId);
      waiting.push(`Road authority agreement for "${body.title}":\n    ${linkIn(road)}`);
      continue;
    }
    const uk = await emailFor('approver@homeoffice.example', proposalId);
    const fr = await emailFor('approbateur@interieur.example', proposalId);
    for (const [authority, email] of [
      ['UK', uk],
      ['FR', fr],
    ] as const) {
      const link = linkIn(email);
      const approveNow = decide === 'both' || (decide === 'uk-only' && authority === 'UK');
      if (!link) continue;
      if (!approveNow) {
        waiting.push(`${authority} sign-off for "${body.title}":\n    ${link}`);
        continue;
      }
      const url = new URL(link);
      const form = new URLSearchParams({ token: url.searchParams.get('token') ?? '', decision: 'approve' });
      const decided = await fetch(`${baseUrl}${url.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      console.log(`  ${authority} approved through its emailed link (HTTP ${decided.status})`);
    }
    const final = await waitFor(async () => {
      const view = (await (
        await fetch(`${baseUrl}/proposals/${proposalId}`, {
          headers: { authorization: `Bearer ${tokens.finance}` },
        })
      ).json()) as { status: string };
      // A grant paid in full at approval goes on from FUNDED to COMPLETED at once.
      const funded = view.status === 'FUNDED' || view.status === 'COMPLETED';
      return decide === 'both' ? (funded ? view.status : undefined) : view.status;
    }, 'the proposal status');
    console.log(`  now ${final}`);
  }

  console.log(`
What to open next:
  The outbox (every email, every link):  ${baseUrl}/local/outbox.html
  Waiting for a click (open, then Approve or Reject):
${waiting.map((w) => `  - ${w}`).join('\n')}
  As finance, from a shell:
    FINANCE_TOKEN=$(curl -s ${baseUrl}/local/tokens | node -pe 'JSON.parse(require("fs").readFileSync(0)).finance')
    curl -s -H "Authorization: Bearer $FINANCE_TOKEN" ${baseUrl}/fund
    curl -s -H "Authorization: Bearer $FINANCE_TOKEN" "${baseUrl}/disbursements?format=csv"
`);
  if (stop) {
    console.log('The demo stack keeps running; Ctrl-C stops it.');
    process.on('SIGINT', () => {
      void stop?.().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
