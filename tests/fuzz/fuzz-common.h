/* fuzz-common.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What every target sets up once: criticals abort (a g_return_if_fail
 * that fires is a finding), and the log stays quiet. */
static inline void
fuzz_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
      g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
      g_setenv ("GIO_USE_VFS", "local", TRUE);
      g_once_init_leave (&done, 1);
    }
}

G_END_DECLS
