import { readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
}

/** package.json's version plus what `scripts/build-info.mjs` stamped at build time, if it ran. */
export function readBuildInfo(): BuildInfo {
  const root = new URL('../', import.meta.url);
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    version: string;
  };
  try {
    const stamp = JSON.parse(readFileSync(new URL('dist/build-info.json', root), 'utf8'));
    return { version, commit: stamp.commit, builtAt: stamp.builtAt };
  } catch {
    return { version, commit: 'unknown', builtAt: 'unknown' };
  }
}
