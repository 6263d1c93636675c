import { prefersHtml } from './error-response.js';

// What browsers send on a navigation.
const CHROME =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const FIREFOX = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('prefersHtml', () => {
  it.each([CHROME, FIREFOX, 'text/html', 'text/html, application/json'])(
    'is true for a browser navigation: %s',
    (accept) => {
      expect(prefersHtml(accept)).toBe(true);
    },
  );

  it.each([
    undefined,
    '',
    '*/*',
    'application/json',
    'application/json, text/html',
    'text/event-stream',
    'application/json, text/plain, */*',
  ])('is false for an API client: %j', (accept) => {
    expect(prefersHtml(accept)).toBe(false);
  });
});
