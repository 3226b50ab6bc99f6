# Private mount namespaces (part of tests/lib/lib.sh), for running tools as they run on a real
# system (the running kernel's tree, /etc/modprobe.d, /sys/module, /proc/...) without touching
# this one. Root only.
#
# shellcheck shell=bash

# ns_ready [lib-modules]: dies unless this process can make a private mount namespace; with
# lib-modules, makes /lib/modules (the mount point of `in_ns --tree`) where it is missing, and
# removes it again at exit.
ns_ready() {
    unshare -m true 2>/dev/null || die "cannot unshare a mount namespace (run as root)"
    if [ "${1:-}" = lib-modules ] && [ ! -d /lib/modules ]; then
        mkdir /lib/modules
        at_exit rmdir /lib/modules
    fi
}

# in_ns STEP... -- CMD ARGS...: CMD in a private mount namespace (unshare -m) set up by the
# STEPs, in order:
#   --tree VERSION DIR   a tmpfs on /lib/modules, DIR bound at /lib/modules/VERSION
#   --bind SRC DEST      SRC bound over DEST (a file or a directory)
#   --tmpfs DEST         an empty tmpfs on DEST
#   --mkdir DIR          DIR made (in a tmpfs, say)
#   --copy SRC DEST      cp -a SRC DEST (SRC/. for a directory's contents)
in_ns() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c '
        set -e
        mount --make-rprivate /
        while [ "$1" != -- ]; do
            case $1 in
                --tree)
                    mount -t tmpfs none /lib/modules
                    mkdir "/lib/modules/$2"
                    mount --bind "$3" "/lib/modules/$2"
                    shift 3
                    ;;
                --bind) mount --bind "$2" "$3"; shift 3 ;;
                --tmpfs) mount -t tmpfs none "$2"; shift 2 ;;
                --mkdir) mkdir -p "$2"; shift 2 ;;
                --copy) cp -a "$2" "$3"; shift 3 ;;
                *) echo "in_ns: unknown step $1" >&2; exit 2 ;;
            esac
        done
        shift
        exec "$@"' sh "$@"
}
