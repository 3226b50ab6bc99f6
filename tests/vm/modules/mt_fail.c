// SPDX-License-Identifier: GPL-2.0
/* mt_fail: init always fails with -ENODEV. */
#include <linux/module.h>

static int __init mt_fail_init(void)
{
	return -ENODEV;
}

module_init(mt_fail_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: init returns -ENODEV");
