# Must fail: a wrong expectation, reported with its line, the run exit 1.
# expect-stderr: fail-refcount.rs:5: expectation failed: refcount of 'a' is 1, expected == 2
create a
expect refcount a 1
expect refcount a 2
expect refcount a 1
