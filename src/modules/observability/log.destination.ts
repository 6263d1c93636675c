import type { Provider } from '@nestjs/common';
import { destination } from 'pino';

/** Where every log line goes (a sonic-boom stream); tests swap in a stream they read. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Standard output, written asynchronously: a log line never waits for the terminal or the pipe. */
export const logDestinationProvider: Provider = {
  provide: LOG_DESTINATION,
  useFactory: () => destination({ dest: 1, sync: false }),
};
