-- wrk: every request is SandboxFusion's POST /run_code with a small JSON body (wrk adds
-- Content-Length). The pool scenario sends no X-Sandbox-ID, so the router hands it to the pool.
wrk.method = "POST"
wrk.path = "/run_code"
wrk.body = '{"code":"print(1)","language":"python"}'
wrk.headers["Content-Type"] = "application/json"
