import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The gateway serves web/dist, so the journeys always run against a fresh build of the UI. */
export default function setup(): void {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) throw new Error(`${chromium} is missing: install Debian's Chromium with \`apt-get install -y chromium\``);
  // vitest exports NODE_ENV=test, which would make vite bundle React's development build
  execSync('npm run build', { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}
