// TrustedProxies moved to the routing module (the host strategy reads `X-Forwarded-Host` from
// trusted proxies, and routing must not depend on the proxy module). Kept so in-flight imports
// still compile; import from '../routing/trusted-proxies.js' and delete this file.
export { TrustedProxies } from '../routing/trusted-proxies.js';
