# Must fail with a syntax error (exit 2): no such command.
# expect-stderr: syntax-command.rs:3: unknown command 'frobnicate'
frobnicate a
