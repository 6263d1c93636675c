const MAX_NAME = 63;
const DNS_1035 = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;

/**
 * An id as a DNS-1035 label, the form agent-sandbox names its resources in: lower case,
 * runs of anything but `[a-z0-9]` become one `-`, and a name that would not start with a
 * letter (a leading digit, say) gets the `sandbox-` prefix; at most 63 characters.
 */
export function toDns1035(id: string): string {
  if (id.length <= MAX_NAME && DNS_1035.test(id)) return id;
  let name = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(name)) name = `sandbox-${name}`;
  return name.slice(0, MAX_NAME).replace(/-+$/, '');
}

/** SPEC §3.2: the names an agent-sandbox id may have, in the order they are tried. */
export function sandboxNameCandidates(id: string): string[] {
  const normalised = toDns1035(id);
  const prefixed = `sandbox-${id}`;
  const names = [normalised];
  if (id !== normalised) names.push(id);
  if (prefixed !== normalised && prefixed.length <= MAX_NAME) names.push(prefixed);
  return names;
}
