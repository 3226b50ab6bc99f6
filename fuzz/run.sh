#!/usr/bin/env bash
# shellcheck disable=SC2094 # seed writes into the corpus, never into the file it reads
# Runs one fuzz target for a bounded time on one core, seeding its corpus first.
#
# Usage: fuzz/run.sh TARGET [SECONDS]          (default 180)
#        fuzz/run.sh --list
# Needs `cargo +nightly` and `cargo install cargo-fuzz`. The corpus grows in fuzz/corpus/TARGET
# (kept between runs, not committed); crashes land in fuzz/artifacts/TARGET/. A crashing input
# belongs in common/tests-data/fuzz-regressions/TARGET/ once fixed (see README.md).
# Seeds: small synthetic modules (fuzz/examples/builder_seeds.rs), the test data of common/, and,
# when the kernel cache of tests/lib/kernels.sh is there, a few small Debian modules.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
TESTS_DATA=$FUZZ/../common/tests-data
CACHE=${MODUTILS_CACHE:-${HOME:-/root}/.cache/modutils-rs}
TARGETS=(module_file elf signature index index_roundtrip fnmatch modprobe_config cmdline depmod_config kver)

if [ "${1:-}" = --list ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
TARGET=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
SECONDS_LIMIT=${2:-180}
printf '%s\n' "${TARGETS[@]}" | grep -qx "$TARGET" || { echo "unknown target $TARGET" >&2; exit 2; }

CORPUS=$FUZZ/corpus/$TARGET
mkdir -p "$CORPUS"

# seed NAME: writes stdin into the corpus as seed-NAME.
seed() { cat >"$CORPUS/seed-$1"; }
# small_modules PATTERN N: paths of the N smallest cached Debian modules matching PATTERN.
small_modules() {
    local d
    for d in "$CACHE"/kernels/*/lib/modules/*/kernel; do
        [ -d "$d" ] && find "$d" -name "$1" -size -12k
    done 2>/dev/null | head -n "$2"
}

if [ -z "$(ls -A "$CORPUS")" ]; then
    case "$TARGET" in
        module_file | elf)
            cargo +nightly run --quiet --example builder_seeds "$CORPUS"
            for f in $(small_modules '*.ko' 4); do
                seed "$(basename "$f")" <"$f"
                [ "$TARGET" = module_file ] || continue
                gzip -9c "$f" | seed "$(basename "$f").gz"
                zstd -q -19 -c "$f" | seed "$(basename "$f").zst"
            done
            for f in $(small_modules '*.ko.xz' 4); do
                if [ "$TARGET" = module_file ]; then
                    seed "$(basename "$f")" <"$f"
                else
                    xz -dc "$f" | seed "$(basename "$f" .xz)"
                fi
            done
            ;;
        signature)
            for f in "$TESTS_DATA"/signature/*.p7; do
                { printf '\0\0'; cat "$f"; } | seed "$(basename "$f")"
            done
            printf '\x05\x03signerkeysignature' | seed raw
            ;;
        index)
            for q in bmc150_accel_core 'acpi*:BSBA0150:*' 'symbol:xfrm_aalg_get_byid' af_key x; do
                for f in "$TESTS_DATA"/index/*.bin; do
                    { printf "\\x$(printf %02x ${#q})%s" "$q"; cat "$f"; } |
                        seed "$(basename "$f")-$(echo "$q" | tr -c 'a-z0-9\n' _)"
                done
            done
            ;;
        index_roundtrip)
            awk '$1 == "alias" { print $2 "\t" $3 }' "$TESTS_DATA"/index/modules.alias | seed alias
            awk '$1 == "alias" { print $2 "\t" $3 }' "$TESTS_DATA"/index/modules.symbols | seed symbols
            sed 's/:.*//' "$TESTS_DATA"/index/modules.dep | seed dep
            ;;
        fnmatch)
            printf 'pci:v00008086d*sv*sd*bc*sc*i*\0pci:v00008086d00001234sv0sd0bc02sc00i00' | seed pci
            printf '[!a-c]?\\*[[:digit:]]x\0d7*9x' | seed classes
            printf '*[.a.][=b=]\0zab' | seed elements
            ;;
        modprobe_config | cmdline)
            for f in /lib/modprobe.d/*.conf /etc/modprobe.d/*.conf; do
                [ -f "$f" ] && seed "$(basename "$f")" <"$f"
            done
            # shellcheck disable=SC2016 # $CMDLINE_OPTS is meant literally
            printf 'alias a* b\noptions b x=1\\\n y=2\ninstall b /sbin/modprobe --ignore-install b $CMDLINE_OPTS\nsoftdep b pre: c post: d pre: e\nweakdep b f\nblacklist [a-]b\nremove b true\n' | seed conf
            [ -r /proc/cmdline ] && seed proc-cmdline </proc/cmdline
            printf 'quiet a-b.c-d=1 "x.y=a b" modprobe.blacklist=a,,b .p=1 m.="q' | seed cmdline
            ;;
        depmod_config)
            printf '6.1.0-56-amd64\nsearch updates extra built-in external\noverride dummy 6.1.* extra\nexternal ^6\\.1 /opt/ext /opt/ext2\nexclude build x\n' | seed conf
            printf '6.12.117+deb12-amd64\noverride * * weak-updates\n# comment \\\ncontinued\n' | seed conf2
            ;;
        kver)
            printf '^6\\.(1|12)\\.[0-9]+-(.*)-\\2$\0006.1.0-56-56' | seed backref
            printf '(a|b)*c{2,3}[[:alpha:]]\\<x\\b\000abac cc x' | seed mix
            ;;
    esac
fi

DICT=()
[ -f "$FUZZ/dict/$TARGET.dict" ] && DICT=(-dict="$FUZZ/dict/$TARGET.dict")
mkdir -p "$FUZZ/artifacts/$TARGET"
exec cargo +nightly fuzz run --release --debug-assertions "$TARGET" "$CORPUS" -- \
    -max_total_time="$SECONDS_LIMIT" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$TARGET/" "${DICT[@]}"
