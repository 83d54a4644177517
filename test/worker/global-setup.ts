/** Starts the Cloudflare TURN API stand-in (Node side) for the workerd tests. */
import { startTurnStandin } from '../support/turn-standin';

export default async function setup(): Promise<() => Promise<void>> {
  const server = await startTurnStandin();
  return () => new Promise((r) => server.close(() => r()));
}
