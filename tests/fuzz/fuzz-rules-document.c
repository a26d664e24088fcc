/* fuzz-rules-document.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A rules and mapping document, as `connection import` reads it. What is
 * accepted must survive a round trip: written back and read again, it
 * gives the same document.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "concord-rules.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autoptr(ConcordConnectionConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  g_autofree char *rewritten = NULL;

  fuzz_init ();

  config = concord_connection_config_new_from_json (text, &error);
  if (config == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }

  written = concord_connection_config_to_json (config, NULL);
  again = concord_connection_config_new_from_json (written, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  rewritten = concord_connection_config_to_json (again, NULL);
  g_assert_cmpstr (written, ==, rewritten);

  return 0;
}
