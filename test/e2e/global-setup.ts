/** Builds the client once so `wrangler dev` serves the current page. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('node_modules/.bin/vite', ['build', '--logLevel', 'warn'], { stdio: 'inherit' });
}
