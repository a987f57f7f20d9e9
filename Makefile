# vmint — build, test, install.
#   make            build bin/vmint
#   make check      build and run every test: unit tests (cmocka) and end-to-end
#                   tests (prove; tests/e2e/75-valgrind.t runs each command under
#                   valgrind memcheck), then the unit tests again under ASan+UBSan,
#                   then the parallel (-j) paths under ThreadSanitizer (make tsan)
#   make demo       vmint detect on the shipped sample trace -> demo/report.{json,html}
#   make fuzz       run each libFuzzer harness for FUZZ_SECONDS (clang)
#   make bench      vmint's cost against babeltrace2's own decoding
#   make bench-watch vmint watch over 24 h of simulated chunks (peak RSS against
#                   hours watched) and on a busy host (seconds per second recorded)
#   make model      retrain models/default from the training scenarios
#   make install PREFIX=/usr/local   (the binary, the model, the recorders and
#                   the example systemd units under PREFIX/share/vmint)
PREFIX  ?= /usr/local
CC      ?= gcc
PKGS    := babeltrace2 gsl jansson
SVM_CFLAGS ?=
SVM_LIBS   ?= -lsvm
OPT     ?= -O2 -g
# Every file includes headers by their path from the top ("extract/read/trace.h").
# Library files see only their own stage and the stages before it (STAGE_DEPS):
# each stage compiles against build/inc/STAGE/, which holds links to just
# those folders, so an include pointing the wrong way fails the build.
BASE_CFLAGS = $(OPT) -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
           $(shell pkg-config --cflags $(PKGS)) $(SVM_CFLAGS) \
           -DVMINT_DATADIR='"$(PREFIX)/share/vmint"' $(CFLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) -I.
LDLIBS  := $(shell pkg-config --libs $(PKGS)) $(SVM_LIBS) -lm $(LDLIBS_EXTRA)

BUILD   ?= build
.DEFAULT_GOAL := all
# The stages, each its own archive; a stage may use those listed after it.
STAGE_DEPS_common   := common
STAGE_DEPS_extract  := common extract
STAGE_DEPS_model    := common extract model
STAGE_DEPS_detect   := common extract model detect
STAGE_DEPS_datasets := common datasets
STAGES  := common extract model detect datasets
# Link order: a stage before the stages it uses.
LINK_STAGES := detect model extract datasets common
stage_src = $(shell find $(1) -name '*.c')
LIBS    := $(LINK_STAGES:%=$(BUILD)/lib%.a)
STAGE_INC = $(BUILD)/inc
BIN     := bin/vmint

.PRECIOUS: $(STAGE_INC)/%/.links
$(STAGE_INC)/%/.links:
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@for d in $(STAGE_DEPS_$*); do ln -s $(CURDIR)/$$d $(dir $@)$$d; done
	@touch $@

define stage_rules
$(1)_OBJ := $$(patsubst %.c,$$(BUILD)/%.o,$$(call stage_src,$(1)))
$$(BUILD)/$(1)/%.o: $(1)/%.c | $$(STAGE_INC)/$(1)/.links
	@mkdir -p $$(dir $$@)
	$$(CC) $$(BASE_CFLAGS) -I$$(STAGE_INC)/$(1) -MMD -MP -c $$< -o $$@
$$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach s,$(STAGES),$(eval $(call stage_rules,$(s))))

TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit e2e sanitize tsan fuzz bench bench-watch demo model install clean setup
all: $(BIN)

$(BUILD)/vmint.o: vmint.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BIN): $(BUILD)/vmint.o $(LIBS)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS) $(shell pkg-config --libs cmocka)

setup:
	@scripts/setup.sh

check: setup
	$(MAKE) $(BIN) $(UNIT_BIN) $(TOOL_BIN)
	$(MAKE) unit e2e
	$(MAKE) sanitize
	$(MAKE) tsan

# The unit tests again, built with AddressSanitizer and UBSan in their own
# build directory; any report fails the run.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:fast_unwind_on_malloc=0 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) BUILD=build/asan OPT="$(SAN_FLAGS)" LDLIBS_EXTRA="-fsanitize=address,undefined" unit

# The parallel paths (-j N: decoding threads, the error chain) built with
# ThreadSanitizer in their own build directory: the threaded unit tests,
# then extract and detect -j 2 on the sample and on one real trace
# (TSAN_TRACE), and train -j 2 (its grid-search threads). Any report stops
# the run with exit code 66 and fails it.
TSAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TSAN_TRACE ?= ../shared/traces/tvl-pacman/pacman
TSAN_BIN   := build/tsan/bin/vmint
TSAN_UNIT  := build/tsan/tests/test-trace-par build/tsan/tests/test-err
TSAN_ENV   := TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
	LIBBABELTRACE2_NO_DLCLOSE=1
tsan:
	$(MAKE) BUILD=build/tsan OPT="$(TSAN_FLAGS)" LDLIBS_EXTRA="-fsanitize=thread" \
		$(TSAN_BIN) $(TSAN_UNIT)
	@set -e; for t in $(TSAN_UNIT); do echo "# tsan $$t"; $(TSAN_ENV) $$t; done
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	[ -d "$(TSAN_TRACE)" ] || echo "# tsan: skip $(TSAN_TRACE) (missing)"; \
	for tr in datasets/sample $(wildcard $(TSAN_TRACE)); do \
		echo "# tsan extract/detect -j 2 $$tr"; \
		$(TSAN_ENV) $(TSAN_BIN) extract -j 2 $$tr -o $$d/f.csv; \
		$(TSAN_ENV) $(TSAN_BIN) detect -j 2 $$tr --model models/default -o $$d/r.json; \
	done; \
	echo "# tsan train -j 2 (grid-search threads)"; \
	$(TSAN_ENV) $(TSAN_BIN) train tests/data/model/train-a.csv tests/data/model/train-b.csv \
		tests/data/model/train-c.csv --c-log2 -1:5:2 --gamma-log2 -7:1:2 -j 2 -o $$d/m

# vmint built in another BUILD directory (sanitizers): bin/vmint stays the
# ordinary build.
$(BUILD)/bin/vmint: $(BUILD)/vmint.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

e2e: $(BIN)
	prove -v tests/e2e/

# libFuzzer harnesses (tests/fuzz/fuzz-*.c), one per parser of ours: vms.json,
# labels.json, scenarios, model.json, and the trace path (a small trace whose
# metadata or stream file is the input). Run from the repository root; the
# library is built once (clang, ASan+UBSan) before the harnesses link to it.
# Crashes are written to build/fuzz/artifacts/ and fail the target.
FUZZ_SECONDS ?= 60
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_ENV := LIBBABELTRACE2_NO_DLCLOSE=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:fast_unwind_on_malloc=0 \
	UBSAN_OPTIONS=print_stacktrace=1
.PHONY: fuzz-lib
fuzz-lib:
	$(MAKE) CC=clang BUILD=build/fuzz OPT="$(FUZZ_CFLAGS)" $(LINK_STAGES:%=build/fuzz/lib%.a)
build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c fuzz-lib
	clang $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LINK_STAGES:%=build/fuzz/lib%.a) $(LDLIBS)
fuzz: $(FUZZ_BIN)
	@mkdir -p build/fuzz/artifacts; st=0; for f in $(FUZZ_BIN); do n=$${f##*/}; \
	  mkdir -p build/fuzz/corpus/$$n; echo "# $$n for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_ENV) $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/$$n- \
	    build/fuzz/corpus/$$n tests/fuzz/seeds/$$n > build/fuzz/$$n.log 2>&1 || st=1; \
	  grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|Test unit written' build/fuzz/$$n.log; \
	done; exit $$st

# The main job on the shipped sample: installs what is missing, builds,
# and writes demo/report.json and demo/report.html.
demo: setup
	$(MAKE) $(BIN)
	@mkdir -p demo
	$(BIN) detect datasets/sample --model models/default -o demo/report.json \
		--html demo/report.html --watcher-actions demo/watcher-actions.json \
		--prom demo/vmint.prom
	@echo "demo: wrote demo/report.json, demo/report.html, demo/watcher-actions.json, demo/vmint.prom"

# Retrains the shipped model from the training scenarios (about 3 min).
model: $(BIN)
	models/train-default.sh

bench: $(BIN) $(BUILD)/tools/bench-labels
	scripts/bench.sh

# Not part of check: about 20 min of this 2-core machine (HOURS=24).
bench-watch: $(BIN)
	scripts/watch-longrun.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vmint
	install -d $(DESTDIR)$(PREFIX)/share/vmint/models/default
	install -m 644 models/default/* $(DESTDIR)$(PREFIX)/share/vmint/models/default/
	install -d $(DESTDIR)$(PREFIX)/share/vmint/scripts $(DESTDIR)$(PREFIX)/share/vmint/systemd
	install -m 755 scripts/record-host.sh scripts/record-host-perf.sh scripts/vms-from-libvirt.sh \
		$(DESTDIR)$(PREFIX)/share/vmint/scripts/
	install -m 644 scripts/record-common.sh $(DESTDIR)$(PREFIX)/share/vmint/scripts/
	install -m 644 scripts/systemd/*.service $(DESTDIR)$(PREFIX)/share/vmint/systemd/

clean:
	rm -rf $(BUILD) bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- datasets: simulated, labeled host traces (datasets/README.md) ----------
#   make datasets         simulate every scenario of datasets/scenarios/{train,validation}
#                         into datasets/generated/ (git-ignored)
#   make datasets-sample  regenerate the committed sample trace datasets/sample/
SIM_SCENARIOS := $(wildcard datasets/scenarios/train/*.json datasets/scenarios/validation/*.json)
.PHONY: datasets datasets-sample
datasets: $(BIN)
	@set -e; for f in $(SIM_SCENARIOS); do \
		out=datasets/generated/$${f#datasets/scenarios/}; out=$${out%.json}; \
		echo "simulate $$f -> $$out"; $(BIN) simulate $$f -o $$out; \
	done

datasets-sample: $(BIN)
	rm -rf datasets/sample
	$(BIN) simulate datasets/scenarios/sample.json -o datasets/sample
