/** The resolver the proxy uses: every configured provider behind one SandboxResolver. */
export const SANDBOX_RESOLVER = Symbol('SANDBOX_RESOLVER');
