// The npm registry reachable here serves only linux-x64 builds of packages with native
// binaries, so `npm install` leaves the other platforms' optional packages (@swc/core-darwin-*,
// ...) out of package-lock.json and `npm ci` then refuses the lockfile. This adds the entries
// npm would have written, marked optional: `npm ci` accepts the lockfile and skips them.
// Run after every `npm install` that changes package-lock.json (`npm run lock:fix`).
import { readFileSync, writeFileSync } from 'node:fs';

const file = 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = path ? `${path}/node_modules/${name}` : undefined;
    const top = `node_modules/${name}`;
    if ((nested && lock.packages[nested]) || lock.packages[top]) continue;
    lock.packages[top] = { version: range.replace(/^[\^~=]/, ''), optional: true };
    added += 1;
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} optional platform entries added`);
