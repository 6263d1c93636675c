import { AccessLogObserver } from './access-log.observer.js';
import { RequestRecord } from './request.record.js';

function lineFor(record: RequestRecord): Record<string, unknown> {
  const written: string[] = [];
  const observer = new AccessLogObserver({ write: (line: string) => written.push(line) });
  record.totalMs = 12.345;
  observer.finished(record);
  expect(written).toHaveLength(1);
  expect(written[0].endsWith('}\n')).toBe(true);
  return JSON.parse(written[0]) as Record<string, unknown>;
}

describe('AccessLogObserver', () => {
  it('writes valid JSON whatever the client put in the id and path', () => {
    const record = new RequestRecord(
      'id "quoted" \\ \u0001',
      'none',
      'GET',
      '/a"b\\c\u2028?q=1',
      false,
    );
    expect(lineFor(record)).toMatchObject({
      requestId: 'id "quoted" \\ \u0001',
      path: '/a"b\\c\u2028',
      kind: 'none',
      totalMs: 12.3,
    });
  });

  it('leaves out what the record does not know, and keeps the pino line shape', () => {
    const line = lineFor(new RequestRecord('r1', 'header', 'GET', '/', false));
    expect(Object.keys(line).sort()).toEqual(
      [
        'attempts',
        'bytesIn',
        'bytesOut',
        'kind',
        'level',
        'method',
        'msg',
        'path',
        'pid',
        'requestId',
        'time',
        'totalMs',
        'websocket',
      ].sort(),
    );
    expect(line).toMatchObject({ level: 'info', msg: 'access', pid: process.pid });
  });

  it('notes how long a held request waited for its sandbox', () => {
    const record = new RequestRecord('r2', 'header', 'GET', '/', false);
    record.heldMs = 1234.56;
    expect(lineFor(record).heldMs).toBe(1234.6);
  });
});
