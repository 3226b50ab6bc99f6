// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_d -> cyc_e -> cyc_f -> cyc_d,
 * a second, three-module cycle. cyc_e uses cyc_f. */
#include <linux/module.h>

int cyc_f_value(void);

int cyc_e_value(void)
{
	return 1;
}
EXPORT_SYMBOL(cyc_e_value);

static int __init cyc_e_init(void)
{
	return cyc_f_value() == 1 ? 0 : -EINVAL;
}
module_init(cyc_e_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module E (uses cyc_f)");
