import { RouterError } from '../errors/router-error.js';
import { RequestRecord } from '../observability/request.record.js';
import { RequestRecords } from '../observability/request.records.js';
import { SandboxSlots } from './sandbox-slots.limit.js';

const limits = (maxConnectionsPerSandbox: number) => ({
  perClientRps: 0,
  perClientBurst: 0,
  maxConnectionsPerSandbox,
});
const newRecord = () => new RequestRecord('id', 'header', 'GET', '/', false);

describe('SandboxSlots', () => {
  it('refuses the request past the maximum with 429 RATE_LIMITED and Retry-After', () => {
    const slots = new SandboxSlots(limits(2), new RequestRecords([]));
    slots.take(newRecord(), 'ns/a');
    slots.take(newRecord(), 'ns/a');
    let refused: unknown;
    try {
      slots.take(newRecord(), 'ns/a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RouterError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', headers: { 'retry-after': '1' } });
    expect(slots.inUse('ns/a')).toBe(2);
    // Another sandbox has its own slots.
    expect(() => slots.take(newRecord(), 'ns/b')).not.toThrow();
  });

  it('frees a slot when the record finishes, once however often finish is called', () => {
    const records = new RequestRecords([]);
    const slots = new SandboxSlots(limits(2), records);
    const first = newRecord();
    slots.take(first, 'ns/a');
    slots.take(newRecord(), 'ns/a');
    records.finish(first);
    records.finish(first);
    expect(slots.inUse('ns/a')).toBe(1);
  });

  it('frees nothing for a record that never took a slot', () => {
    const records = new RequestRecords([]);
    const slots = new SandboxSlots(limits(1), records);
    slots.take(newRecord(), 'ns/a');
    records.finish(newRecord());
    expect(slots.inUse('ns/a')).toBe(1);
  });

  it('observes no record while off', () => {
    const records = new RequestRecords([]);
    const slots = new SandboxSlots(limits(0), records);
    expect(slots.enabled).toBe(false);
    expect(records.observed).toBe(false);
  });
});
