/*
 * A supplementary LD_PRELOAD trap for tests/kmod-testsuite.sh (our code, not kmod's).
 *
 * kmod's testsuite fakes a root directory by preloading a library that rewrites the absolute
 * paths given to open(), open64(), fopen(), stat(), opendir() and a few others: each gets the
 * test's root ($TESTSUITE_ROOTFS) put in front, unless it is already under kmod's build
 * directory. Rust's std::fs::metadata() calls statx(), which that library does not wrap, so a
 * library written in Rust would look at the host's files there. This file wraps statx() by the
 * same rule; every other call goes to the C library untouched. With no $TESTSUITE_ROOTFS (tests
 * without a fake root) it changes nothing.
 *
 * Build: cc -shared -fPIC -DBUILD_ROOT='"<kmod build dir>"' -o statx-trap.so this.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef BUILD_ROOT
#error "BUILD_ROOT (kmod's build directory) must be defined"
#endif

typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
	static statx_fn next;
	char moved[2 * PATH_MAX];
	const char *root = getenv("TESTSUITE_ROOTFS");

	if (next == NULL)
		next = (statx_fn)dlsym(RTLD_NEXT, "statx");
	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (root != NULL && path != NULL && path[0] == '/' &&
	    strncmp(path, BUILD_ROOT, strlen(BUILD_ROOT)) != 0) {
		int n = snprintf(moved, sizeof(moved), "%s%s", root, path);

		if (n < 0 || (size_t)n >= sizeof(moved)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		path = moved;
	}
	return next(dirfd, path, flags, mask, buf);
}
