# Several operations in one ioctl, with a result for each.
gc disable
create a slots=2 payload=8
batch
  create b slots=1
  dup a2 a
  write a 0 "batched"
  link a 0 a
  stat a
end
expect done 5
expect refcount a 3
expect payload a 0 "batched"
batch continue                  # go on after an error
  expect error ENOENT drop @999
  expect error ERANGE link a 7 a
  unlink a 0
end
expect done 3
expect refcount a 2
batch                           # stop at the first error
  drop a2
  expect error ENOENT drop a2
  drop b                        # not run
end
expect done 2
expect refcount a 1
expect objects 2
