// SPDX-License-Identifier: GPL-2.0
/* mt_user: uses mt_dep_value, so it loads only when mt_dep is loaded. */
#include <linux/module.h>

extern int mt_dep_value(void);

static int __init mt_user_init(void)
{
	return mt_dep_value() == 42 ? 0 : -EINVAL;
}

static void __exit mt_user_exit(void)
{
}

module_init(mt_user_init);
module_exit(mt_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: uses mt_dep_value from mt_dep");
