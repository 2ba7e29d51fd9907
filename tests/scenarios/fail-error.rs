# Must fail: an operation expected to fail succeeds.
# expect-stderr: fail-error.rs:4: expectation failed: drop: expected ENOENT, got success
create a
expect error ENOENT drop a
