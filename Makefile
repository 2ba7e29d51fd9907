# SPDX-License-Identifier: GPL-2.0
# refslab top-level build.  Targets:
#
#   make / make all   refslab.ko for KDIR, librefslab, refslabctl, the test
#                     programs (64-bit, 32-bit, ASan/UBSan) and the uapi check
#   make check        the test suite in a VM on the stock Debian 6.1 kernel
#                     (HOST=1: on this machine with insmod, needs root and
#                     headers for the running kernel)
#   make check-debug  the same suite on the debug kernel (KASAN, lockdep,
#                     kmemleak, UBSAN, KUnit...), built once and cached, and
#                     the runner's KASAN self-test
#   make check-grown  test_uapi against a test build whose CREATE struct is
#                     longer than its first published size
#   make demo         boot, load, run tests/demo.sh, show debugfs, unload;
#                     then the object graph pictures build/demo/*.svg
#   make bench        benchmarks in the VM (init_on_alloc=0) -> build/bench.json
#   make bench-ab     the same bench programs against AB_BASE's module (a git
#                     ref, default main) and this tree's, alternately in one
#                     boot (AB_ROUNDS, AB_PIECES) -> build/bench-ab.json
#   make lint         W=1 + sparse module builds (every installed kernel
#                     line) and checkpatch --strict
#   make selftest     the VM runner's full self-test
#   make vm-soak      boot the debug VM SOAK_N (30) times: failures, boot times
#   make install      refslabctl, librefslab, headers, refslab.pc, man pages
#                     and the udev rule under DESTDIR/PREFIX (builds only those)
#   make modules_install  refslab.ko for KDIR's kernel into
#                     INSTALL_MOD_PATH/lib/modules/RELEASE/extra, then depmod
#   make uninstall    removes what install and modules_install put in place
#   make dkms-install register, build and install the module with DKMS
#                     (dkms-remove undoes it); make dkms-test tests that on
#                     every installed kernel line (root; CI runs it)
#   make man          the man pages (build/man)
#   make clean
#
# Variables: KDIR (kernel build tree), KERNEL (VM kernel: stock, debug, 6.12,
# 6.12-rt, a release or an image path; see tests/vm/kernel.sh), VM_TIMEOUT,
# VM_APPEND (see tests/vm/run), REFSLAB_PARAMS (module parameters for the tests),
# REFSLAB_ASAN=0 (make check: skip the ASan/UBSan build of the tests, which it
# runs by default), W=1 and C=1 (passed to Kbuild), PREFIX (/usr/local),
# DESTDIR, INSTALL_MOD_PATH (defaults to DESTDIR).

SHELL := /bin/bash
.DEFAULT_GOAL := all

TOP := $(CURDIR)
B := $(TOP)/build

# The module's version: the uapi header's (modinfo, the DKMS package).
# The library has its own (LIB_VERSION, in librefslab.h; refslab.pc).
uapi_ver = $(shell sed -n 's/^\#define REFSLAB_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' $(TOP)/uapi/refslab.h)
VERSION := $(call uapi_ver,MAJOR).$(call uapi_ver,MINOR)

# --- kernel trees ----------------------------------------------------------
# The VM's stock kernel: the newest Debian 6.1 image installed (generic,
# not -rt or -cloud), as tests/vm/kernel.sh reads "stock".
STOCK_KVER := $(patsubst /boot/vmlinuz-%,%,$(shell $(TOP)/tests/vm/kernel.sh stock 2>/dev/null))
RUN_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(wildcard $(RUN_KDIR)/Makefile),)
KDIR ?= $(RUN_KDIR)
else ifneq ($(STOCK_KVER),)
KDIR ?= /lib/modules/$(STOCK_KVER)/build
else
KDIR ?= $(lastword $(shell ls -1d /lib/modules/*/build 2>/dev/null | sort -V))
endif

# Release of a kernel build tree, from its utsrelease.h.
krelease = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(1)/include/generated/utsrelease.h 2>/dev/null)
KTAG ?= $(call krelease,$(KDIR))
KOBJ := $(B)/ko-$(KTAG)

KERNEL ?= stock
export KERNEL

# --- userspace -------------------------------------------------------------
CC ?= gcc
WARN_CFLAGS := -Wall -Wextra -Wshadow
USER_CFLAGS := $(WARN_CFLAGS) -O2 -g -I$(TOP)/uapi -I$(TOP)/userspace/lib -I$(TOP)/userspace/common -I$(TOP)/userspace/ctl $(EXTRA_CFLAGS)
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(wildcard userspace/lib/*.c)
CTL_SRC := $(wildcard userspace/ctl/*.c)
TEST_SRC := $(wildcard tests/user/*.c)
HDRS := $(wildcard uapi/*.h userspace/lib/*.h userspace/common/*.h userspace/ctl/*.h tests/user/*.h)
# Private helpers (the debugfs text readers) for refslabctl and the tests:
# not part of librefslab, whose interface leaves debugfs out.
COMMON_SRC := $(wildcard userspace/common/*.c)
TEST_NAMES := $(basename $(notdir $(TEST_SRC)))

LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB32_OBJ := $(LIB_SRC:%.c=$(B)/obj32/%.o)
LIBASAN_OBJ := $(LIB_SRC:%.c=$(B)/obj-asan/%.o)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)
COMMON32_OBJ := $(COMMON_SRC:%.c=$(B)/obj32/%.o)
COMMONASAN_OBJ := $(COMMON_SRC:%.c=$(B)/obj-asan/%.o)

TESTS := $(TEST_NAMES:%=$(B)/tests/%)
TESTS32 := $(TEST_NAMES:%=$(B)/tests32/%)
TESTS_ASAN := $(TEST_NAMES:%=$(B)/tests-asan/%)

# librefslab's version, from its header: the shared library's file name
# carries all of it, its soname the major (userspace/lib/librefslab.map
# lists what it exports).
LIB_VERSION := $(shell sed -n 's/^\#define LIBREFSLAB_VERSION_[A-Z]*[[:space:]]*\([0-9]*\).*/\1/p' userspace/lib/librefslab.h | paste -sd.)
LIB_SONAME := librefslab.so.$(firstword $(subst ., ,$(LIB_VERSION)))
LIB_MAP := userspace/lib/librefslab.map

USERSPACE := $(B)/refslab.pc
ifneq ($(LIB_SRC),)
USERSPACE += $(B)/librefslab.a $(B)/librefslab.so $(B)/librefslab32.a $(B)/librefslab-asan.a
endif
ifneq ($(CTL_SRC),)
USERSPACE += $(B)/refslabctl
endif
USERSPACE += $(TESTS) $(TESTS32) $(TESTS_ASAN)
# Bench programs run by tests/bench/run.sh from build/bench/.
BENCH_PROGS := $(B)/bench/ioctl_bench $(B)/bench/heaps_bench $(B)/bench/cache_bench
USERSPACE += $(BENCH_PROGS)
# gc_bench (tests/bench/gc.sh builds its own in the VM) also serves
# tests/trace.t: its pause case makes a mutator wait on the collector.
USERSPACE += $(B)/gc_bench

PREFIX ?= /usr/local

VM_RUN := $(TOP)/tests/vm/run
REFSLAB_CACHE ?= $(shell if mkdir -p /var/cache/refslab 2>/dev/null && [ -w /var/cache/refslab ]; then echo /var/cache/refslab; else echo $$HOME/.cache/refslab; fi)

.PHONY: all module userspace uapi-check deps check check-vm check-host \
	check-debug check-grown harness-selftest harness-unit selftest vm-soak vm-module lint-kbuild demo bench bench-ab lint \
	checkpatch clean install help man modules_install uninstall dkms-src dkms-install \
	dkms-remove dkms-test FORCE

all: module userspace uapi-check man

help:
	@sed -n '2,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash scripts/deps.sh

# --- refslab.ko --------------------------------------------------------------
# Out-of-tree Kbuild writes objects next to the sources, so each kernel gets
# its own copy of the sources in build/ko-<release> (build/ko-debug for the
# debug kernel); rsync keeps mtimes, so only what changed is rebuilt.
KO_EXCLUDES := --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='*.symvers' --exclude='*.order' --exclude='*.dwo'

module:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "no kernel build tree at KDIR=$(KDIR) (run scripts/deps.sh)" >&2; exit 1; fi
	@mkdir -p $(KOBJ)
	@rsync -a $(TOP)/Kbuild $(KOBJ)/
	@rsync -a --delete $(KO_EXCLUDES) $(TOP)/module/ $(KOBJ)/module/
	@rsync -a --delete $(KO_EXCLUDES) $(TOP)/uapi/ $(KOBJ)/uapi/
	$(MAKE) -C $(KDIR) M=$(KOBJ) modules
	@echo "module: $(KOBJ)/refslab.ko"

# --- userspace ---------------------------------------------------------------
userspace: $(USERSPACE)

$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -c -o $@ $<

$(B)/obj32/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) -m32 $(USER_CFLAGS) -c -o $@ $<

$(B)/obj-asan/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

$(B)/librefslab.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/librefslab32.a: $(LIB32_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/librefslab-asan.a: $(LIBASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/librefslab.so.$(LIB_VERSION): $(LIB_OBJ) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=$(LIB_MAP) -o $@ $(LIB_OBJ)

# The links a library directory holds: soname -> file, link-time name -> soname.
$(B)/librefslab.so: $(B)/librefslab.so.$(LIB_VERSION)
	ln -sf librefslab.so.$(LIB_VERSION) $(B)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

# Written each time: it carries PREFIX, which install may be given anew.
$(B)/refslab.pc: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
		'Name: refslab' 'Description: userspace library for the refslab kernel module (/dev/refslab)' \
		'Version: $(LIB_VERSION)' 'Cflags: -I$${includedir}/refslab' 'Libs: -L$${libdir} -lrefslab' >$@

$(B)/refslabctl: $(CTL_SRC) $(COMMON_OBJ) $(B)/librefslab.a $(HDRS)
	$(CC) $(USER_CFLAGS) -o $@ $(CTL_SRC) $(COMMON_OBJ) $(B)/librefslab.a

# Each tests/user/NAME.c is one TAP program (cmocka), linked statically
# against librefslab so it runs from build/ without an install.
$(B)/tests/%: tests/user/%.c $(COMMON_OBJ) $(B)/librefslab.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(TOP)/tests/user -o $@ $< $(COMMON_OBJ) $(B)/librefslab.a -lcmocka

$(B)/tests32/%: tests/user/%.c $(COMMON32_OBJ) $(B)/librefslab32.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) -m32 $(USER_CFLAGS) -I$(TOP)/tests/user -o $@ $< $(COMMON32_OBJ) $(B)/librefslab32.a -lcmocka

$(B)/tests-asan/%: tests/user/%.c $(COMMONASAN_OBJ) $(B)/librefslab-asan.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(ASAN_FLAGS) -I$(TOP)/tests/user -o $@ $< $(COMMONASAN_OBJ) $(B)/librefslab-asan.a -lcmocka

$(B)/bench/%: tests/bench/%.c $(B)/librefslab.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(B)/librefslab.a

$(B)/gc_bench: tests/bench/gc_bench.c $(HDRS)
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

# --- installing --------------------------------------------------------------
# make install builds only what it installs: no test programs, so neither
# gcc-multilib nor cmocka is needed.  The udev rule goes under
# PREFIX/lib/udev/rules.d, which udev reads for /usr and for /usr/local.
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
INSTALL_MOD_PATH ?= $(DESTDIR)

MAN_SRC := $(wildcard man/*.scd)
MAN_PAGES := $(MAN_SRC:man/%.scd=$(B)/man/%)

# Everything make install puts in place, relative to DESTDIR; make
# uninstall removes exactly this list.
INSTALLED := $(BINDIR)/refslabctl \
	$(LIBDIR)/librefslab.a $(LIBDIR)/librefslab.so.$(LIB_VERSION) \
	$(LIBDIR)/$(LIB_SONAME) $(LIBDIR)/librefslab.so \
	$(LIBDIR)/pkgconfig/refslab.pc \
	$(INCLUDEDIR)/refslab/refslab.h $(INCLUDEDIR)/refslab/librefslab.h \
	$(UDEVRULESDIR)/60-refslab.rules \
	$(foreach m,$(notdir $(MAN_PAGES)),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m))

man: $(MAN_PAGES)

# No hyphenation or justification: identifiers such as REFSLAB_IOC_GC_STATS
# must not be split.
$(B)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc <$< | sed '/^\.TH /a .nh\n.ad l' >$@.tmp && mv $@.tmp $@

install: $(B)/refslabctl $(B)/librefslab.a $(B)/librefslab.so $(B)/refslab.pc $(MAN_PAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/refslab $(DESTDIR)$(UDEVRULESDIR)
	install -m 755 $(B)/refslabctl $(DESTDIR)$(BINDIR)/
	install -m 644 $(B)/librefslab.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/librefslab.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf librefslab.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/librefslab.so
	install -m 644 $(B)/refslab.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 uapi/refslab.h userspace/lib/librefslab.h $(DESTDIR)$(INCLUDEDIR)/refslab/
	install -m 644 udev/60-refslab.rules $(DESTDIR)$(UDEVRULESDIR)/
	@for m in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		echo "install -m 644 $$m $$d/"; install -d $$d && install -m 644 $$m $$d/ || exit 1; \
	done

# The module for KDIR's kernel, outside DKMS.  depmod runs when the module
# goes into the running system; under INSTALL_MOD_PATH (DESTDIR: a package
# being built) the package's own scripts run it.  Not signed: on a machine
# with Secure Boot use DKMS, which signs with the machine's MOK key.
MOD_DEST = $(INSTALL_MOD_PATH)/lib/modules/$(KTAG)/extra

modules_install: module
	install -D -m 644 $(KOBJ)/refslab.ko $(MOD_DEST)/refslab.ko
	$(if $(INSTALL_MOD_PATH),,depmod -a $(KTAG))

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@[ ! -d $(DESTDIR)$(INCLUDEDIR)/refslab ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$(INCLUDEDIR)/refslab
	@if [ -f $(MOD_DEST)/refslab.ko ]; then \
		echo "rm -f $(MOD_DEST)/refslab.ko"; rm -f $(MOD_DEST)/refslab.ko; \
		rmdir --ignore-fail-on-non-empty $(MOD_DEST); \
		$(if $(INSTALL_MOD_PATH),:,echo "depmod -a $(KTAG)"; depmod -a $(KTAG)); \
	fi

# --- DKMS ----------------------------------------------------------------------
# The DKMS source tree is what Kbuild needs and nothing else: Kbuild,
# module/, uapi/ and dkms.conf with the version filled in.  dkms add copies
# it to /usr/src/refslab-VERSION.
DKMS_SRC := $(B)/dkms/refslab-$(VERSION)
DKMS_KVER ?= $(KTAG)

dkms-src:
	@rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	@rsync -a $(KO_EXCLUDES) $(TOP)/Kbuild $(TOP)/module $(TOP)/uapi $(DKMS_SRC)/
	@sed 's/@VERSION@/$(VERSION)/' $(TOP)/dkms.conf >$(DKMS_SRC)/dkms.conf
	@echo "dkms: source tree $(DKMS_SRC)"

dkms-install: dkms-src
	dkms add $(DKMS_SRC)
	dkms install refslab/$(VERSION) -k $(DKMS_KVER)

dkms-remove:
	dkms remove refslab/$(VERSION) --all
	rm -rf /usr/src/refslab-$(VERSION)

dkms-test:
	prove -v tests/harness/dkms.t

# --- the uapi header on its own ----------------------------------------------
# It must compile alone (C and C++, 32- and 64-bit) and every struct must have
# the same layout on i386 and x86_64: pahole's view of both must be equal.
uapi-check: $(B)/uapi-check.stamp

$(B)/uapi-check.stamp: uapi/refslab.h
	@mkdir -p $(B)/uapi-check
	$(CC) -fsyntax-only -Wall -Wextra -Werror -std=c99 -pedantic-errors -x c uapi/refslab.h
	$(CC) -m32 -fsyntax-only -Wall -Wextra -Werror -std=c99 -pedantic-errors -x c uapi/refslab.h
	g++ -fsyntax-only -Wall -Wextra -Werror -x c++ uapi/refslab.h
	@sed -n 's/^struct \(refslab_[a-z0-9_]*\) {.*/\1/p' uapi/refslab.h | sort -u >$(B)/uapi-check/structs
	@{ echo '#include "refslab.h"'; \
	   sed 's/.*/struct & v_&; char size_&[sizeof(struct &)];/' \
		$(B)/uapi-check/structs; } >$(B)/uapi-check/layout.c
	$(CC) -c -g -I uapi -o $(B)/uapi-check/layout64 $(B)/uapi-check/layout.c
	$(CC) -m32 -c -g -I uapi -o $(B)/uapi-check/layout32 $(B)/uapi-check/layout.c
	@nm -S -t d $(B)/uapi-check/layout64 | awk '$$4 ~ /^size_/ { print $$4, $$2 + 0 }' | sort >$(B)/uapi-check/sizes64
	@nm -S -t d $(B)/uapi-check/layout32 | awk '$$4 ~ /^size_/ { print $$4, $$2 + 0 }' | sort >$(B)/uapi-check/sizes32
	@[ -s $(B)/uapi-check/sizes64 ] || [ ! -s $(B)/uapi-check/structs ] || { echo "uapi: no sizes found" >&2; exit 1; }
	@diff -u $(B)/uapi-check/sizes32 $(B)/uapi-check/sizes64 || \
		{ echo "uapi: struct sizes differ between -m32 and -m64" >&2; exit 1; }
	@rm -f $(B)/uapi-check/pahole32 $(B)/uapi-check/pahole64
	@if command -v pahole >/dev/null; then \
		for s in $$(cat $(B)/uapi-check/structs); do \
			pahole -C $$s $(B)/uapi-check/layout64 >>$(B)/uapi-check/pahole64; \
			pahole -C $$s $(B)/uapi-check/layout32 >>$(B)/uapi-check/pahole32; \
		done; \
		diff -u $(B)/uapi-check/pahole32 $(B)/uapi-check/pahole64 || \
		{ echo "uapi: struct layouts differ between -m32 and -m64" >&2; exit 1; }; \
	fi
	@sed -n 's/^#define REFSLAB_IOC_\([A-Z0-9_]*\)[[:space:]]*_IO.*/\1/p' uapi/refslab.h >$(B)/uapi-check/cmds
	@{ echo '#include "refslab.h"'; \
	   sed 's/.*/_Static_assert(REFSLAB_&_SIZE_VER0 > 0 \&\& REFSLAB_&_SIZE_VER0 <= _IOC_SIZE(REFSLAB_IOC_&), "&: VER0 size");/' \
		$(B)/uapi-check/cmds; } >$(B)/uapi-check/ver0.c
	$(CC) -fsyntax-only -Werror -std=c11 -I uapi $(B)/uapi-check/ver0.c
	@echo "uapi: refslab.h compiles alone; $$(wc -l <$(B)/uapi-check/structs) structs, same layout on i386 and x86_64;" \
		"$$(wc -l <$(B)/uapi-check/cmds) commands, each with a first published size no larger than its struct"
	@touch $@

# --- running the tests -------------------------------------------------------
# The module for the VM's kernel, when that is not KDIR's: the release of
# the /boot image tests/vm/kernel.sh picks for KERNEL (6.12 is the generic
# 6.12 image, 6.12-rt the PREEMPT_RT one), as tests/vm/run boots it.
VM_KVER = $(patsubst /boot/vmlinuz-%,%,$(shell $(TOP)/tests/vm/kernel.sh '$(KERNEL)'))

vm-module:
ifeq ($(KERNEL),debug)
	@dir=$$(tests/vm/debug-kernel.sh) && \
		$(MAKE) --no-print-directory module KDIR=$$dir/linux-source-6.1 KTAG=debug
else ifneq ($(findstring /,$(KERNEL)),)
	@$(MAKE) --no-print-directory module
else
	@kver=$(VM_KVER); [ -n "$$kver" ] || exit 1; \
		$(MAKE) --no-print-directory module KDIR=/lib/modules/$$kver/build
endif

# The runner's self-test: the quick half (clean load, warning caught by the
# console scan) in make check, all of it (panic_on_warn, timeout) here.  It
# boots the kernel make check tests (stock for a debug kernel or a path).
# Its KASAN case (a use-after-free of a refslab object must fail a run on
# the debug kernel) runs in make check-debug, SELFTEST_KASAN=1.
SELFTEST_KASAN ?= 0
SELFTEST_KERNEL = $(if $(filter debug,$(KERNEL))$(findstring /,$(KERNEL)),stock,$(KERNEL))
SELFTEST_KVER = $(patsubst /boot/vmlinuz-%,%,$(shell $(TOP)/tests/vm/kernel.sh '$(SELFTEST_KERNEL)'))
harness-selftest: harness-unit
	@echo "== runner self-test (a kernel warning must fail the run)"
	KDIR=/lib/modules/$(SELFTEST_KVER)/build KERNEL=$(SELFTEST_KERNEL) SELFTEST_KASAN=$(SELFTEST_KASAN) \
		prove tests/harness/selftest.t

# The harness's own tests that need no VM nor root, a few seconds:
# scripts/deps.sh against stand-in dpkg/apt-get on fake machines, the
# reading of KERNEL= over a fake /boot, make install/uninstall under
# DESTDIR from a fresh copy of the sources, the man pages' rendering, and
# that slab.c is built without KASAN and the rest with it on every installed
# kernel line (a dry run of Kbuild with CONFIG_KASAN forced).
harness-unit:
	@echo "== deps.sh on fake machines, KERNEL= names, the library's symbols, install, man pages, KASAN_SANITIZE (tests/harness/*.t)"
	prove tests/harness/deps.t tests/harness/kernel.t tests/harness/librefslab.t \
		tests/harness/install.t tests/harness/man.t tests/harness/kasan.t

selftest:
	KDIR=/lib/modules/$(STOCK_KVER)/build KERNEL=stock SELFTEST_FULL=1 prove -v tests/harness/selftest.t

# The debug VM's boot, SOAK_N times (30): failures, median and maximum boot
# time.  Not in make check or CI: it measures the VM, not refslab.
vm-soak: deps
	@tests/vm/debug-kernel.sh >/dev/null
	KERNEL=debug tests/vm/soak

ifeq ($(HOST),1)
check: check-host
else
check: check-vm
endif

check-vm: deps
	@$(MAKE) --no-print-directory userspace uapi-check
	@$(MAKE) --no-print-directory vm-module
	@$(MAKE) --no-print-directory harness-selftest
	@echo "== test suite in the VM (KERNEL=$(KERNEL))"
	VM_TIMEOUT=$${VM_TIMEOUT:-1200} REFSLAB_ASAN=$${REFSLAB_ASAN:-1} \
		$(VM_RUN) tests/run-tests.sh

# On a real machine: the module for the running kernel, loaded with insmod.
check-host:
	@[ "$$(id -u)" = 0 ] || { echo "make check HOST=1 needs root (insmod)" >&2; exit 1; }
	@$(MAKE) --no-print-directory userspace uapi-check
	@$(MAKE) --no-print-directory module KDIR=$(RUN_KDIR)
	@$(MAKE) --no-print-directory harness-unit
	REFSLAB_ASAN=$${REFSLAB_ASAN:-1} tests/run-tests.sh

check-debug: deps
	@echo "== debug kernel (built once, cached under $(REFSLAB_CACHE))"
	@tests/vm/debug-kernel.sh
	@$(MAKE) --no-print-directory userspace uapi-check
	@$(MAKE) --no-print-directory vm-module KERNEL=debug
	@$(MAKE) --no-print-directory harness-selftest SELFTEST_KASAN=1
	@echo "== test suite in the VM (KERNEL=debug)"
	KERNEL=debug VM_TIMEOUT=$${VM_TIMEOUT:-2400} \
		REFSLAB_PARAMS="gc_verify=1 slab_debug=1 $${REFSLAB_PARAMS:-}" \
		$(VM_RUN) tests/run-tests.sh

# The test build of a grown struct: CREATE's kernel struct longer than its
# first published size (module/ioctl.c, RS_TEST_GROWN), so that test_uapi's
# VER0 caller meets a newer kernel.  Built apart from the real module; only
# that case runs (the others check the sizes of this header's structs).
GROWN_KOBJ := $(B)/grown/ko

check-grown: deps
	@$(MAKE) --no-print-directory userspace
	@kver=$(VM_KVER); [ -n "$$kver" ] || exit 1; \
		$(MAKE) --no-print-directory module KDIR=/lib/modules/$$kver/build \
			KOBJ=$(GROWN_KOBJ) RS_TEST_GROWN=1
	@echo "== test_uapi against the grown-struct test build"
	REFSLAB_KO=$(GROWN_KOBJ)/refslab.ko REFSLAB_TEST_FILTER=test_struct_ver0_and_grown $(VM_RUN) -- bash -c \
		'. tests/vm/lib.sh; rs_load && $(B)/tests/test_uapi; rc=$$?; rs_unload; exit $$rc'

demo: deps
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory vm-module
	$(VM_RUN) tests/run-tests.sh --demo
	@bash tests/demo.sh --render

bench: deps
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory vm-module
	@rm -f $(B)/vm/bench.json
	VM_APPEND="init_on_alloc=0 $(VM_APPEND)" $(VM_RUN) tests/bench/run.sh
	@cp $(B)/vm/bench.json $(B)/bench.json && echo "bench: results in build/bench.json"

# A/B against another revision, in one boot: AB_BASE's sources (git archive,
# so uncommitted changes of this tree stay out of A) build the A module in
# build/ab-base/; this tree's module is B.  Both run this tree's bench
# programs.
AB_BASE ?= main
AB_DIR = $(B)/ab-base/$(shell git -C $(TOP) rev-parse --short $(AB_BASE) 2>/dev/null)
bench-ab: deps
	@git -C $(TOP) rev-parse --verify -q $(AB_BASE) >/dev/null || \
		{ echo "bench-ab: AB_BASE=$(AB_BASE) is not a git revision" >&2; exit 1; }
	@if [ ! -f $(AB_DIR)/Makefile ]; then mkdir -p $(AB_DIR) && \
		git -C $(TOP) archive $(AB_BASE) | tar -x -C $(AB_DIR); fi
	@$(MAKE) --no-print-directory -C $(AB_DIR) vm-module >/dev/null
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory vm-module
	@rm -f $(B)/vm/bench-ab.json
	@kver=$(VM_KVER); \
	AB_KO_A=$(AB_DIR)/build/ko-$$kver/refslab.ko AB_KO_B=$(B)/ko-$$kver/refslab.ko \
	VM_ENV="AB_KO_A AB_KO_B AB_ROUNDS AB_PIECES" \
	VM_APPEND="init_on_alloc=0 $(VM_APPEND)" $(VM_RUN) tests/bench/ab.sh
	@cp $(B)/vm/bench-ab.json $(B)/bench-ab.json && echo "bench-ab: results in build/bench-ab.json"

# --- lint ------------------------------------------------------------------
# A fresh W=1 + sparse build (warnings only show when a file is compiled) and
# checkpatch --strict; any warning fails.
CHECKPATCH_DIR := $(REFSLAB_CACHE)/checkpatch
LINT_FILES := $(wildcard module/*.[ch] uapi/*.h)
# The kernel-version keys of an out-of-tree module live in this one header;
# checkpatch's advice against LINUX_VERSION_CODE (write for the version the
# code is merged into) is for in-tree code, and it takes the key for a
# constant on the wrong side of the comparison.  Only that header is excused.
COMPAT_H := module/compat.h

lint:
	@fail=0; \
	$(MAKE) --no-print-directory lint-kbuild || fail=1; \
	$(MAKE) --no-print-directory checkpatch || fail=1; \
	exit $$fail

# The Kbuild half runs for each Debian 12 kernel line installed, so that
# both sides of module/compat.h are compiled (a line not installed is
# skipped, and said so).
LINT_KERNELS ?= stock 6.12 6.12-rt

lint-kbuild:
	@mkdir -p $(B); fail=0; built=0; \
	for k in $(LINT_KERNELS); do \
		img=$$($(TOP)/tests/vm/kernel.sh $$k 2>/dev/null) || \
			{ echo "lint: no $$k kernel installed, not built for it"; continue; }; \
		kver=$${img#/boot/vmlinuz-}; log=$(B)/lint-$$kver.log; \
		rm -rf $(B)/ko-lint-$$kver; \
		echo "lint: W=1 C=2 build for $$kver"; \
		$(MAKE) --no-print-directory module KDIR=/lib/modules/$$kver/build \
			KTAG=lint-$$kver W=1 C=2 >$$log 2>&1 && ok=1 || ok=0; \
		if [ $$ok = 0 ] || grep -E 'warning:|error:' $$log; then \
			echo "lint: W=1/sparse warnings or errors for $$kver (see $$log)" >&2; fail=1; \
		fi; \
		built=$$((built + 1)); \
	done; \
	[ $$built -gt 0 ] || { echo "lint: no kernel to build for" >&2; exit 1; }; \
	[ $$fail = 0 ] && echo "lint: W=1 and sparse clean for $$built kernels"

checkpatch:
	@cp=$$(ls -1 $(REFSLAB_CACHE)/kernel-debug-*/linux-source-6.1/scripts/checkpatch.pl 2>/dev/null | head -1); \
	if [ -z "$$cp" ]; then \
		cp=$(CHECKPATCH_DIR)/linux-source-6.1/scripts/checkpatch.pl; \
		if [ ! -f "$$cp" ]; then \
			echo "checkpatch: extracting it from /usr/src/linux-source-6.1.tar.xz"; \
			mkdir -p $(CHECKPATCH_DIR) && \
			tar -C $(CHECKPATCH_DIR) -xf /usr/src/linux-source-6.1.tar.xz \
				linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
				linux-source-6.1/scripts/const_structs.checkpatch || exit 1; \
		fi; \
	fi; \
	echo "checkpatch: $$cp --strict --no-tree over $(LINT_FILES)"; \
	perl $$cp --strict --no-tree --quiet --show-types -f $(filter-out $(COMPAT_H),$(LINT_FILES)) && \
	perl $$cp --strict --no-tree --quiet --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f $(COMPAT_H)
	@echo "checkpatch: clean"

clean:
	rm -rf $(B)

FORCE:
