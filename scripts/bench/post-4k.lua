-- wrk: every request is a POST with a 4 KB body (wrk adds Content-Length). Headers given with
-- -H on the command line (X-Sandbox-ID) are already in wrk.headers when this runs.
wrk.method = "POST"
wrk.body = string.rep("x", 4096)
wrk.headers["Content-Type"] = "application/octet-stream"
