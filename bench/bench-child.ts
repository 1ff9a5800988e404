import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));

/**
 * Runs the benchmark script at `scriptUrl` again as a child process with `args` and returns what it
 * printed: each measured step in a process of its own, so its peak RSS is its own. The child runs
 * under tsx with the benchmark's tsconfig (see bench/tsconfig.json).
 */
export function runBenchChild(scriptUrl: string, what: string, args: string[]): string {
  const run = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(scriptUrl), ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(benchDir, 'tsconfig.json') },
    },
  );
  if (run.status !== 0) throw new Error(`${what} child ${args[0]} failed (${run.status ?? run.signal})`);
  return run.stdout;
}
