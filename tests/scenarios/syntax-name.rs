# Must fail with a syntax error (exit 2): a name never bound.
# expect-stderr: syntax-name.rs:4: drop: no such name 'x'
create a
drop x
