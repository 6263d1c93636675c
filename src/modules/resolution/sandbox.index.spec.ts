import { SandboxIndex, SandboxRecord } from './sandbox.index.js';

const record = (namespace: string, name: string, host?: string) =>
  new SandboxRecord(
    namespace,
    name,
    `${namespace}-${name}`,
    '1',
    host,
    host ? undefined : 'starting',
  );

describe('SandboxIndex', () => {
  it('indexes by namespace/name and by bare name across namespaces', () => {
    const index = new SandboxIndex();
    index.upsert(record('a', 'one'));
    index.upsert(record('b', 'one'));
    index.upsert(record('a', 'two'));
    expect(index.size).toBe(3);
    expect(index.get('b', 'one')?.uid).toBe('b-one');
    expect(index.named('one').map((r) => r.namespace)).toEqual(['a', 'b']);
    expect(index.named('two')).toHaveLength(1);
    expect(index.named('three')).toEqual([]);
  });

  it('replaces a record in place and forgets removed ones', () => {
    const index = new SandboxIndex();
    index.upsert(record('a', 'one'));
    index.upsert(record('a', 'one', '10.0.0.1'));
    expect(index.size).toBe(1);
    expect(index.get('a', 'one')?.host).toBe('10.0.0.1');
    index.upsert(record('b', 'one'));
    index.remove(record('a', 'one'));
    expect(index.named('one').map((r) => r.namespace)).toEqual(['b']);
    index.remove(record('b', 'one'));
    expect(index.size).toBe(0);
    expect(index.named('one')).toEqual([]);
  });

  it('makes a re-list the whole truth for its namespace only', () => {
    const index = new SandboxIndex();
    index.upsert(record('a', 'gone'));
    index.upsert(record('a', 'kept'));
    index.upsert(record('b', 'other'));
    index.replace('a', [record('a', 'kept', '10.0.0.2'), record('a', 'new')]);
    expect(index.get('a', 'gone')).toBeUndefined();
    expect(index.get('a', 'kept')?.host).toBe('10.0.0.2');
    expect(index.get('b', 'other')).toBeDefined();
    index.replace(undefined, [record('c', 'only')]);
    expect(index.size).toBe(1);
  });

  it('wakes a waiter on a change to its name and drops it after', async () => {
    const index = new SandboxIndex();
    const woken = index.changed('box', 60_000);
    expect(index.waiting).toBe(1);
    index.upsert(record('a', 'box', '10.0.0.3'));
    await woken;
    expect(index.waiting).toBe(0);
  });

  it('drops a waiter when its signal aborts or its time runs out', async () => {
    const index = new SandboxIndex();
    const controller = new AbortController();
    const aborted = index.changed('box', 60_000, controller.signal);
    controller.abort();
    await aborted;
    await index.changed('box', 1);
    expect(index.waiting).toBe(0);
  });
});
