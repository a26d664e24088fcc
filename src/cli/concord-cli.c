/* concord-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli: Concord's engine and store without a window, for scripting,
 * cron, tests and benchmarks. Exit codes: 0 success, 1 failure, 2 usage.
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#define EXIT_USAGE 2

static const char *summary =
  N_("Commands:\n"
     "  version    Print the version of Concord");

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_summary (context, _(summary));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("concord-cli: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (show_version || (argc >= 2 && g_strcmp0 (argv[1], "version") == 0))
    {
      g_print ("concord-cli %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_USAGE;
    }

  /* Translators: %s is the command the user typed */
  g_printerr (_("concord-cli: unknown command “%s”\n"), argv[1]);
  g_printerr (_("Run “concord-cli --help” to see the commands.\n"));
  return EXIT_USAGE;
}
