// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_c uses cyc_a, which is in a
 * cycle with cyc_b; cyc_c itself is not in the cycle. */
#include <linux/module.h>

int cyc_a_value(void);

static int __init cyc_c_init(void)
{
	return cyc_a_value() == 1 ? 0 : -EINVAL;
}
module_init(cyc_c_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module C (uses cyc_a, outside the cycle)");
