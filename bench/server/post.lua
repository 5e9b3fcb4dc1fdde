-- wrk script for the "4 KiB echo" scenario: POST / with a 4096-byte body (wrk adds Content-Length).
-- The body must match ECHO_BODY in shared.ts.
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 256)
wrk.headers["Content-Type"] = "application/octet-stream"
