// SPDX-License-Identifier: GPL-2.0
/* mt_dep: exports one symbol so that mt_user depends on it. */
#include <linux/module.h>

int mt_dep_value(void)
{
	return 42;
}
EXPORT_SYMBOL_GPL(mt_dep_value);

static int __init mt_dep_init(void)
{
	return 0;
}

static void __exit mt_dep_exit(void)
{
}

module_init(mt_dep_init);
module_exit(mt_dep_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: exports mt_dep_value");
