# iscsiwatch - one plain Makefile. `make demo`, `make check`, `make bench`.
#
# Variables you may override: CC, CFLAGS, LDFLAGS, BUILD (output folder),
# SAN=1 (AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/),
# PREFIX (default /usr/local) and DESTDIR for `make install`.

CC      ?= cc
PKGS    := libpcap libiscsi jansson libmicrohttpd libxml-2.0 zlib ncursesw
SAN     ?=
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD   ?= build
SANFLAGS :=
endif

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -I$(BUILD) \
           -MMD -MP
# pkg-config only when the libraries are there: `make deps` must run first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs libpcap libiscsi jansson libmicrohttpd libxml-2.0 zlib 2>/dev/null)
# The program links only what every run uses: libmicrohttpd, libxml2 and
# zlib (--listen) are opened with dlopen() when a run needs them (lazylib.h),
# under the SONAME of the .so that pkg-config names, read once here.
# The tests, tools and fuzz targets link PKG_LIBS (they call libxml2 too).
PROG_LIBS  = $(shell pkg-config --libs libpcap libiscsi jansson 2>/dev/null)
soname_of  = $(shell f=$$(pkg-config --variable=libdir $(1) 2>/dev/null)/lib$(2).so; \
               objdump -p "$$f" 2>/dev/null | sed -n 's/^ *SONAME *//p')
LAZYLIB_MHD_SONAME := $(call soname_of,libmicrohttpd,microhttpd)
LAZYLIB_XML_SONAME := $(call soname_of,libxml-2.0,xml2)
LAZYLIB_Z_SONAME   := $(call soname_of,zlib,z)
LAZYLIB_DEFS := -DLAZYLIB_MHD_SONAME='"$(LAZYLIB_MHD_SONAME)"' \
                -DLAZYLIB_XML_SONAME='"$(LAZYLIB_XML_SONAME)"' \
                -DLAZYLIB_Z_SONAME='"$(LAZYLIB_Z_SONAME)"'
CURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  = $(shell pkg-config --libs check 2>/dev/null)

# Three archives: the engine (no curses in it), the curses front end and
# the command line (cli/ minus main.c, so the tests can check the option
# table); the program is cli/main.c over the three.
ENGINE_SRC := $(wildcard src/*.c src/*/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
TUI_SRC    := $(wildcard tui/*.c)
TUI_OBJ    := $(TUI_SRC:%.c=$(BUILD)/%.o)
CLI_SRC    := $(filter-out cli/main.c,$(wildcard cli/*.c))
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC   := $(wildcard tests/check_*.c)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libiscsiwatch.a
TUI_LIB    := $(BUILD)/libiscsiwatch-tui.a
CLI_LIB    := $(BUILD)/libiscsiwatch-cli.a
BIN        := $(BUILD)/iscsiwatch
TESTBIN    := $(BUILD)/check_iscsiwatch
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
# The DSP0004 checker shared by the unit tests and build/tools/mof-check.
MOFCHECK_OBJ := $(BUILD)/tests/mofcheck.o
# The shipped CIM schema, embedded for --mof-schema (one source: data/).
SCHEMA_OBJ := $(BUILD)/gen/schema_mof.o

.PHONY: all deps deps-test demo check unit check-captures check-peers check-san bench fuzz clean format \
	install uninstall

all: $(BIN) $(TOOLS)

# What building and running need (make demo); and what the tests need too.
deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# Only the two tables' files and the tests need the sonames.
$(BUILD)/src/http/out_http.o $(BUILD)/src/cim/cimxml.o $(TEST_OBJ): \
	PKG_CFLAGS += $(LAZYLIB_DEFS)

$(LIB): $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TUI_LIB): $(TUI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CLI_LIB): $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/cli/main.o $(SCHEMA_OBJ) $(CLI_LIB) $(TUI_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(SCHEMA_OBJ) $(CLI_LIB) $(TUI_LIB) $(LIB) \
		$(PROG_LIBS) $(CURSES_LIBS) -lm

# data/iscsiwatch.mof as a C array (od: no xxd needed), NUL-terminated.
$(BUILD)/gen/schema_mof.c: data/iscsiwatch.mof
	@mkdir -p $(dir $@)
	@{ echo '/* generated from data/iscsiwatch.mof by the Makefile */'; \
	   echo '#include "schema.h"'; \
	   echo 'const char schema_mof[] = {'; \
	   od -An -v -tx1 $< | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	   echo '0x00};'; \
	   echo 'const size_t schema_mof_len = sizeof(schema_mof) - 1;'; } > $@.tmp
	@mv $@.tmp $@

$(SCHEMA_OBJ): $(BUILD)/gen/schema_mof.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@


# The runner's suite list is made from the file names: tests/check_foo.c
# must define `Suite *foo_suite(void)`.
$(BUILD)/suites.h: $(TEST_SRC)
	@mkdir -p $(BUILD)
	@{ for f in $(filter-out tests/check_main.c,$(TEST_SRC)); do \
	     n=$$(basename $$f .c); n=$${n#check_}; echo "SUITE($$n)"; done; } > $@.tmp
	@mv $@.tmp $@

$(TEST_OBJ): $(BUILD)/suites.h
$(TEST_OBJ): PKG_CFLAGS += $(CHECK_CFLAGS)

$(TESTBIN): $(TEST_OBJ) $(MOFCHECK_OBJ) $(SCHEMA_OBJ) $(CLI_LIB) $(TUI_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(MOFCHECK_OBJ) $(SCHEMA_OBJ) \
		$(CLI_LIB) $(TUI_LIB) $(LIB) $(CHECK_LIBS) $(PKG_LIBS) -lm

$(BUILD)/tools/mof-check: tests/tools/mof-check.c $(MOFCHECK_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(MOFCHECK_OBJ)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

demo: deps
	@$(MAKE) --no-print-directory all
	$(BIN) -r captures/demo.pcapng

# The whole suite: unit tests and capture tests, then again under
# ASan+UBSan, then the real-peer rig (tgtd, istgt, libiscsi, tshark),
# then a short libFuzzer pass over the fuzz targets.
check: deps-test
	@$(MAKE) --no-print-directory unit check-captures
	@$(MAKE) --no-print-directory check-san
	@$(MAKE) --no-print-directory check-peers
	@$(MAKE) --no-print-directory fuzz-ci

unit: $(TESTBIN)
	CK_DEFAULT_TIMEOUT=60 $(TESTBIN)

# The unit and capture tests again, built with ASan+UBSan in build-san/.
check-san:
	@$(MAKE) --no-print-directory SAN=1 unit check-captures

check-captures: $(BIN) $(TOOLS)
	@tests/captures.sh $(BUILD)

check-peers: $(BIN) $(TOOLS)
	@tests/peers.sh $(BUILD)

bench: deps-test all
	@bench/run.sh $(BUILD)

# Many sessions and a lossy capture (bench/README.md); reports, never fails
# on a missed target.
bench-scale: deps all
	@bench/scale.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz

# ---- install: the program, its man page, bash completion, systemd unit
# and the CIM schema of its instances. The unit runs @SBINDIR@/iscsiwatch.
PREFIX        ?= /usr/local
DESTDIR       ?=
SBINDIR       := $(PREFIX)/sbin
MAN8DIR       := $(PREFIX)/share/man/man8
COMPLETIONDIR := $(PREFIX)/share/bash-completion/completions
UNITDIR       := $(PREFIX)/lib/systemd/system
DATADIR       := $(PREFIX)/share/iscsiwatch
INSTALLED     := $(SBINDIR)/iscsiwatch $(MAN8DIR)/iscsiwatch.8 \
                 $(COMPLETIONDIR)/iscsiwatch $(UNITDIR)/iscsiwatch@.service \
                 $(DATADIR)/iscsiwatch.mof

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)
	install -m 755 $(BIN) $(DESTDIR)$(SBINDIR)/iscsiwatch
	install -m 644 man/iscsiwatch.8 $(DESTDIR)$(MAN8DIR)/iscsiwatch.8
	install -m 644 dist/iscsiwatch.bash $(DESTDIR)$(COMPLETIONDIR)/iscsiwatch
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/iscsiwatch@.service \
		> $(DESTDIR)$(UNITDIR)/iscsiwatch@.service
	chmod 644 $(DESTDIR)$(UNITDIR)/iscsiwatch@.service
	install -m 644 data/iscsiwatch.mof $(DESTDIR)$(DATADIR)/iscsiwatch.mof

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

format:
	clang-format -i include/*.h src/*.c src/*/*.c tests/*.c tui/*.[ch] cli/*.[ch]

-include $(ENGINE_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TUI_OBJ:.o=.d) \
	$(CLI_OBJ:.o=.d) $(BUILD)/cli/main.d $(MOFCHECK_OBJ:.o=.d)

# ---- fuzzing (clang + libFuzzer, ASan + UBSan): fuzz/README in docs/robustness.md
# The engine is rebuilt with clang into build-fuzz/ (never mixed with build/).
# `make fuzz` runs each target FUZZ_SECONDS (default 60); `make fuzz-ci` is
# the short pass for `make check`. `make bench-caps` proves the memory caps.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) -Iinclude -MMD -MP
FUZZ_OBJ     := $(ENGINE_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS    := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard fuzz/fuzz_*.c))

.PHONY: fuzz-build fuzz-ci bench-caps bench-scale

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) $(LAZYLIB_DEFS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< \
		$(FUZZ_OBJ) $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_BUILD)

fuzz-ci: $(FUZZ_BINS)
	@FUZZ_SECONDS=20 fuzz/run.sh $(FUZZ_BUILD)

bench-caps: all
	@bench/caps.sh $(BUILD)

-include $(FUZZ_OBJ:.o=.d)

bench-live: all
	@bench/live.sh $(BUILD)
-include $(TOOLS:=.d)
