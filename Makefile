# Build of the kernel objects (CO-RE BPF) and the native addon. scripts/setup.sh runs it;
# `make -s` is incremental and fast when nothing changed.
.DELETE_ON_ERROR:
.SUFFIXES:

BUILD      := build
CLANG      ?= clang
BPFTOOL    ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_BTF := /sys/kernel/btf/vmlinux
FALLBACK_VMLINUX := kernel/vmlinux/vmlinux-$(shell uname -m).h.xz

BPF_SRCS   := $(wildcard kernel/*/*.bpf.c)
BPF_OBJS   := $(patsubst kernel/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS   := $(wildcard kernel/include/*.h kernel/lib/*.h kernel/hooks/*.h kernel/policy/*.h kernel/lsm/*.h)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -I$(BUILD) -Ikernel/include -Ikernel/lib

NATIVE_SRCS := $(wildcard native/src/*.cc native/src/*.h) native/binding.gyp
NATIVE_OUT  := native/build/Release/vigil_native.node
# Build against the installed Node's own headers when present, so no header download is needed.
NODE_PREFIX := $(shell node -p 'require("path").resolve(process.execPath, "../..")')
NODEDIR_FLAG := $(if $(wildcard $(NODE_PREFIX)/include/node/node.h),--nodedir=$(NODE_PREFIX),)
NODE_GYP    := node_modules/.bin/node-gyp

.PHONY: all kernel native clean
all: kernel native
kernel: $(BPF_OBJS)
native: $(NATIVE_OUT) $(BUILD)/vigil-launch $(BUILD)/redteam-probe $(BUILD)/landlock-plan-dump

# vmlinux.h from the running kernel's BTF; the committed copy when the kernel has none.
$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	@if [ -r $(VMLINUX_BTF) ]; then \
		$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@; \
	else \
		echo "make: $(VMLINUX_BTF) missing; using the committed $(FALLBACK_VMLINUX)"; \
		xz -dc $(FALLBACK_VMLINUX) > $@; \
	fi

$(BUILD)/bpf/%.bpf.o: kernel/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(NATIVE_OUT): $(NATIVE_SRCS)
	cd native && ../$(NODE_GYP) rebuild --silent $(NODEDIR_FLAG)

# The first process of a `vigil run` session (see the file's comment).
LAUNCH_SRCS := $(wildcard native/launcher/*.c)
$(BUILD)/vigil-launch: $(LAUNCH_SRCS) $(wildcard native/launcher/*.h)
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $(LAUNCH_SRCS) -lseccomp

# Test driver: the launcher's Landlock plan parser alone, for the encoder's test (see the file).
$(BUILD)/landlock-plan-dump: test/launcher/plan-dump.c native/launcher/landlock-plan.c native/launcher/landlock-plan.h
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -Inative/launcher -o $@ test/launcher/plan-dump.c native/launcher/landlock-plan.c

# The red-team suite's attacker (test/redteam/README.md): built here so no test needs a compiler.
$(BUILD)/redteam-probe: test/redteam/probe.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Werror -o $@ $<

clean:
	rm -rf $(BUILD) native/build
