import type { Provider } from '@nestjs/common';
import { CLOCK, type Clock } from '../clock/clock.js';
import { effectiveAuthMode } from '../config/auth.schema.js';
import {
  authConfig,
  type AuthConfig,
  routingConfig,
  type RoutingConfig,
} from '../config/router.config.js';
import { BearerCredentials } from './bearer.credentials.js';
import { NoCredentials } from './no.credentials.js';
import { ROUTER_CREDENTIALS, type RouterCredentials } from './router-credentials.js';
import { ScopedTokenCredentials } from './scoped-token.credentials.js';

/** The one place `auth.mode` is looked at: it picks the RouterCredentials for the process. */
export const routerCredentialsProvider: Provider = {
  provide: ROUTER_CREDENTIALS,
  inject: [authConfig.KEY, routingConfig.KEY, CLOCK],
  useFactory: (auth: AuthConfig, routing: RoutingConfig, clock: Clock): RouterCredentials => {
    switch (effectiveAuthMode(auth)) {
      case 'bearer':
        return new BearerCredentials(auth.token);
      case 'scoped-token':
        return new ScopedTokenCredentials({
          secret: auth.scopedTokenSecret.trim(),
          clock,
          defaultNamespace: routing.defaultNamespace,
        });
      case 'none':
        return new NoCredentials();
    }
  },
};
