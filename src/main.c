/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "concord-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ConcordApplication) app = NULL;

  /* Before GTK sets it: --help and its options are printed before GTK
   * starts, in the user's language too. */
  setlocale (LC_ALL, "");
  /* CONCORD_LOCALE_DIR: the message catalogs somewhere else than where
   * they are installed (the tests' pseudo-locales, which are not). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CONCORD_LOCALE_DIR") != NULL ? g_getenv ("CONCORD_LOCALE_DIR")
                                                                           : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Concord"));

  app = concord_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
