// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_a and cyc_b use each
 * other's exports, so depmod must report a dependency cycle. */
#include <linux/module.h>

int cyc_b_value(void);

int cyc_a_value(void)
{
	return 1;
}
EXPORT_SYMBOL(cyc_a_value);

static int __init cyc_a_init(void)
{
	return cyc_b_value() == 2 ? 0 : -EINVAL;
}
module_init(cyc_a_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module A (uses cyc_b)");
