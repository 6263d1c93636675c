// Stamps dist/build-info.json with the commit and build time that start-up prints.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

function commit() {
  if (process.env.GIT_COMMIT) return process.env.GIT_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

writeFileSync(
  'dist/build-info.json',
  JSON.stringify({ commit: commit(), builtAt: new Date().toISOString() }) + '\n',
);
