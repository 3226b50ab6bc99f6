// SPDX-License-Identifier: GPL-2.0
/* mt_slow_b: see mt_slow.h. */
#include "mt_slow.h"
