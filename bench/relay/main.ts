/**
 * `npm run bench:relay` — signalling throughput and latency of one Wisp cell against PeerServer.
 * Run it in a private network namespace (both servers bind 127.0.0.1 only):
 *
 *   unshare -n sh -c 'ip link set lo up && npm run bench:relay'
 *   npm run bench:relay -- --bots 100 --rates 200,500,1000,2000,3000 --step-ms 3000 --no-floor --json out.json
 */
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { DEFAULT_OPTIONS, runRelayBench, type RelayBenchOptions } from './bench';
import { fullReport } from './report';

const COMMAND = "unshare -n sh -c 'ip link set lo up && npm run bench:relay'";

function parseArgs(argv: string[]): { options: Partial<RelayBenchOptions>; json: string | null } {
  const options: Partial<RelayBenchOptions> = {};
  let json: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const num = (): number => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
      i++;
      return n;
    };
    switch (flag) {
      case '--bots': options.bots = Math.round(num()); break;
      case '--step-ms': options.stepMs = num(); break;
      case '--drain-ms': options.drainMs = num(); break;
      case '--warmup-ms': options.warmupMs = Number(value ?? 0); i++; break;
      case '--rates':
        options.rates = (value ?? '').split(',').map(Number);
        if (!options.rates.length || options.rates.some((r) => !(r > 0))) throw new Error('--rates needs a,b,c (msgs/s)');
        i++;
        break;
      case '--no-half': options.halfStep = false; break;
      case '--no-floor': options.floor = false; break;
      case '--quiet-budget-ms': options.quietBudgetMs = Number(value ?? 0); i++; break;
      case '--json': json = value ?? null; i++; break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  return { options, json };
}

/** In a fresh `unshare -n` namespace loopback is the only interface with an address. */
function outsideNamespace(): boolean {
  return Object.keys(networkInterfaces()).some((n) => n !== 'lo');
}

async function main(): Promise<void> {
  const { options, json } = parseArgs(process.argv.slice(2));
  const o = { ...DEFAULT_OPTIONS, ...options };
  if (outsideNamespace()) console.error(`note: network interfaces other than lo exist; the bench is meant to run as: ${COMMAND}`);
  const perStep = (o.stepMs + o.drainMs) / 1_000;
  console.error(`bench:relay: ${o.bots} bots, ladder ${o.rates.join(', ')} msgs/s, ≤ ${perStep.toFixed(1)} s per step, ${o.floor ? 'three' : 'two'} servers (~${Math.ceil(((o.floor ? 3 : 2) * perStep * (o.rates.length + 2)) / 60)} min plus joins, plus at most ${o.quietBudgetMs / 1_000} s waiting for a quiet machine)`);
  const result = await runRelayBench({ ...options, log: (line) => console.error(line) });
  if (json) writeFileSync(json, JSON.stringify(result, null, 2));
  console.log(fullReport(result, COMMAND));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
