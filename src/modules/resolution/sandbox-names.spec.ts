import { batchSandboxNameCandidates } from './batch-sandbox.resolver.js';
import { sandboxNameCandidates, toDns1035 } from './sandbox-names.js';

describe('DNS-1035 sandbox names', () => {
  it('keeps an id that already is a DNS-1035 label', () => {
    expect(toDns1035('my-sandbox-1')).toBe('my-sandbox-1');
  });

  it('lower-cases and turns runs of other characters into one hyphen', () => {
    expect(toDns1035('My_Box..Two')).toBe('my-box-two');
    expect(toDns1035('-Edge-')).toBe('edge');
  });

  it('prefixes sandbox- when the id does not start with a letter', () => {
    expect(toDns1035('7up')).toBe('sandbox-7up');
    expect(toDns1035('123e4567-e89b-12d3')).toBe('sandbox-123e4567-e89b-12d3');
  });

  it('cuts to 63 characters without a trailing hyphen', () => {
    const name = toDns1035(`${'a'.repeat(62)}-b`);
    expect(name).toBe('a'.repeat(62));
    expect(toDns1035('x'.repeat(100))).toHaveLength(63);
  });

  it('tries the normalised name, the raw id, then sandbox-<id>, without repeats', () => {
    expect(sandboxNameCandidates('demo')).toEqual(['demo', 'sandbox-demo']);
    expect(sandboxNameCandidates('MyBox')).toEqual(['mybox', 'MyBox', 'sandbox-MyBox']);
    expect(sandboxNameCandidates('7up')).toEqual(['sandbox-7up', '7up']);
  });

  it('tries a BatchSandbox under its id first, then the normalised id', () => {
    expect(batchSandboxNameCandidates('0f3a-uuid')).toEqual(['0f3a-uuid', 'sandbox-0f3a-uuid']);
    expect(batchSandboxNameCandidates('plain')).toEqual(['plain']);
  });
});
