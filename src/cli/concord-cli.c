/* concord-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli: Concord's engine and store without a window, for scripting,
 * cron, tests and benchmarks. It uses the same database and the same
 * keyring entries as the app.
 *
 * Exit codes (also in the usage text and the README): 0 success, 1 failure
 * (with a message on stderr), 2 usage, 3 a sync of the connection is
 * already running (in the app or another concord-cli: one run per
 * connection at a time), 4 the sync ran but some contacts could not be
 * written (the journal says why; the next sync retries them), 5 the app
 * refused the API key given to `account set-key` (the old key stays).
 * `sync --json` prints a JSON object on standard output whatever happens.
 * API keys are read from standard input, checked with their app, and go
 * to the keyring only.
 *
 * This file holds the usage text and main(), which picks the command; the
 * commands are in concord-cli-*.c (see concord-cli-private.h).
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-cli-private.h"

/* The commands, as --help and a usage error list them: each one's syntax
 * (whose words in capitals are placeholders) and what it does, translated
 * at run time. */
static const struct
{
  const char *syntax;
  const char *help;
} commands[] = {
  { "apps [--json]",
    /* Translators: concord-cli --help: what `concord-cli apps` prints */
    N_("The apps, and the options of their accounts") },
  /* Translators: concord-cli --help: the syntax of a command. Keep the
   * command, the options (--name, --option) and the punctuation as they
   * are; APP, NAME, OPTION, VALUE and KEY are placeholders you may
   * translate (in capitals, one word each) */
  { N_("account add APP --name NAME [--OPTION VALUE]… [--option KEY=VALUE]…"),
    /* Translators: concord-cli --help: what `account add` does */
    N_("Adds an account; its API key is read from standard input (`apps` lists each app's options)") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "account set-key"; NAME is a placeholder (an account's name) */
  { N_("account set-key NAME"),
    /* Translators: concord-cli --help: what `account set-key` does */
    N_("Replaces an account's API key with one read from standard input, once the app accepts it") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "account rename"; OLD and NEW are placeholders (an account's names) */
  { N_("account rename OLD NEW"),
    /* Translators: concord-cli --help: what `account rename` does */
    N_("Renames an account") },
  { "account list [--json]",
    /* Translators: concord-cli --help: what `account list` prints */
    N_("The accounts, with the connections that use each one") },
  /* Translators: concord-cli --help: the syntax of two commands. Keep
   * "account remove", "verify" and "|"; NAME is a placeholder (an
   * account's name) */
  { N_("account remove NAME | verify NAME"),
    /* Translators: concord-cli --help: what `account remove` and
     * `account verify` do */
    N_("Removes an account no connection uses, or checks its key with its app") },
  /* Translators: concord-cli --help: the syntax of a command. Keep the
   * command, the options and their values (both, a-to-b, b-to-a, a, b,
   * newest) as they are; NAME, ACCOUNT and TYPE are placeholders */
  { N_("connection add NAME --a ACCOUNT[:TYPE] --b ACCOUNT[:TYPE] [--direction both|a-to-b|b-to-a] "
       "[--prefer a|b|newest]"),
    /* Translators: concord-cli --help: what `connection add` does */
    N_("Connects two accounts (of a contact type each, when their app has several)") },
  /* Translators: concord-cli --help: the syntax of several commands.
   * Keep the commands, the options and "|"; NAME is a placeholder (a
   * connection's name) */
  { N_("connection list [--json] | show NAME [--json] | remove NAME | enable NAME | disable NAME"),
    /* Translators: concord-cli --help: what the `connection` commands
     * above do */
    N_("Lists the connections, shows, removes, turns on or turns off one") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "connection export"; NAME is a placeholder (a connection's name) */
  { N_("connection export NAME"),
    /* Translators: concord-cli --help: what `connection export` does */
    N_("Prints a connection's rules and field mapping as JSON") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "connection import", "|" and "-"; NAME and FILE are placeholders */
  { N_("connection import NAME FILE|-"),
    /* Translators: concord-cli --help: what `connection import` does */
    N_("Replaces a connection's rules and field mapping with a file's (or standard input's); "
       "a refused document changes nothing") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "sync" and the options; NAME is a placeholder (a connection's name) */
  { N_("sync NAME [--dry-run] [--json]"),
    /* Translators: concord-cli --help: what `sync` does */
    N_("Syncs a connection once") },
  /* Translators: concord-cli --help: the syntax of a command. Keep "log"
   * and the options; NAME and N are placeholders (a connection's name, a
   * number) */
  { N_("log NAME [--json] [--limit N]"),
    /* Translators: concord-cli --help: what `log` prints */
    N_("A connection's journal: what its syncs did, newest first") },
  { "version",
    /* Translators: concord-cli --help: what `version` prints */
    N_("Concord's version") },
};

/* What each exit code says, in --help: also in the README. */
static const char * const exit_codes[] = {
  /* Translators: concord-cli --help: what exit code 0 means */
  N_("success"),
  /* Translators: concord-cli --help: what exit code 1 means */
  N_("failure (the message is on standard error)"),
  /* Translators: concord-cli --help: what exit code 2 means */
  N_("usage: a command, an option or an argument was wrong"),
  /* Translators: concord-cli --help: what exit code 3 means. Concord is the
   * app's name */
  N_("a sync of the connection is already running (in Concord or another concord-cli)"),
  /* Translators: concord-cli --help: what exit code 4 means. Keep
   * `log NAME`, a command (NAME a placeholder) */
  N_("the sync ran, but some contacts could not be written (see `log NAME`; the next sync retries them)"),
  /* Translators: concord-cli --help: what exit code 5 means. Keep
   * `account set-key`, a command */
  N_("the app refused the key given to `account set-key` (the old key stays)"),
};

/* Appends @paragraph to @text in lines of at most 79 characters, broken
 * at spaces (a translation need not be broken into lines by hand): the
 * first after @indent spaces, the others after @more. */
static void
append_wrapped (GString    *text,
                const char *paragraph,
                guint       indent,
                guint       more)
{
  g_auto(GStrv) words = g_strsplit (paragraph, " ", -1);
  glong column = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      glong length = g_utf8_strlen (words[i], -1);

      if (*words[i] == '\0')
        continue;
      if (column > 0 && column + 1 + length > 79)
        {
          g_string_append_c (text, '\n');
          column = 0;
          indent = more;
        }
      if (column == 0)
        {
          g_string_append_printf (text, "%*s%s", indent, "", words[i]);
          column = indent + length;
        }
      else
        {
          g_string_append_printf (text, " %s", words[i]);
          column += 1 + length;
        }
    }
  g_string_append_c (text, '\n');
}

/* The usage text, translated: to standard output for --help, to standard
 * error after a usage error. */
static void
print_usage (gboolean to_stderr)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* Translators: concord-cli --help: its first line, how to call it. Keep
   * "concord-cli" and "--data-dir"; DIR, COMMAND and ARGUMENTS are
   * placeholders */
  append_wrapped (text, _("Usage: concord-cli [--data-dir DIR] COMMAND [ARGUMENTS…]"), 0, 4);
  g_string_append_c (text, '\n');
  /* Translators: concord-cli --help: the heading of its list of commands */
  append_wrapped (text, _("Commands:"), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      append_wrapped (text, _(commands[i].syntax), 2, 4);
      append_wrapped (text, _(commands[i].help), 6, 6);
    }
  g_string_append_c (text, '\n');
  /* Translators: concord-cli --help: the heading of the list of its exit
   * codes (numbers that scripts read) */
  append_wrapped (text, _("Exit codes:"), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (exit_codes); i++)
    {
      g_autofree char *line = g_strdup_printf ("%u %s", i, _(exit_codes[i]));

      append_wrapped (text, line, 2, 4);
    }
  if (to_stderr)
    g_printerr ("%s", text->str);
  else
    g_print ("%s", text->str);
}

int
concord_cli_usage (const char *problem)
{
  if (problem != NULL)
    g_printerr ("concord-cli: %s\n", problem);
  print_usage (TRUE);
  return CONCORD_CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------------- */
/* main                                                                      */
/* ------------------------------------------------------------------------- */

/* Runs the command in @args (@rest words: the command, then its own
 * words); returns the exit code. */
static int
run_command (ConcordCli  *cli,
             int          rest,
             char       **args,
             gboolean     has_json)
{
  const char *command = args[0];
  const char *sub = rest > 1 ? args[1] : NULL;
  int ret;

  if (g_str_equal (command, "version"))
    ret = (g_print ("concord-cli %s\n", PACKAGE_VERSION), EXIT_SUCCESS);
  else if (g_str_equal (command, "apps") && (rest == 1 || (rest == 2 && has_json)))
    ret = concord_cli_list_apps (has_json);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "add") == 0)
    ret = concord_cli_account_add (cli, rest - 1, args + 1);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "list") == 0 && rest <= 3)
    ret = concord_cli_account_list (cli);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "remove") == 0 && rest == 3)
    ret = concord_cli_account_remove (cli, args[2]);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "verify") == 0 && rest == 3)
    ret = concord_cli_account_verify (cli, args[2]);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "set-key") == 0 && rest == 3)
    ret = concord_cli_account_set_key (cli, args[2]);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "rename") == 0 && rest == 4)
    ret = concord_cli_account_rename (cli, args[2], args[3]);
  else if (g_str_equal (command, "account") && g_strcmp0 (sub, "set-key") == 0)
    ret = concord_cli_usage (_("account set-key takes the account's NAME only: the key is read from "
                               "standard input, never from the command line"));
  else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "add") == 0)
    ret = concord_cli_connection_add (cli, rest - 1, args + 1);
  else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "list") == 0 && rest <= 3)
    ret = concord_cli_connection_list (cli, NULL);
  else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "show") == 0 &&
           rest >= 3 && rest <= 4 && !g_str_has_prefix (args[2], "--"))
    ret = concord_cli_connection_list (cli, args[2]);
  else if (g_str_equal (command, "connection") && rest == 3 &&
           (g_strcmp0 (sub, "remove") == 0 || g_strcmp0 (sub, "enable") == 0 ||
            g_strcmp0 (sub, "disable") == 0))
    ret = concord_cli_connection_simple (cli, sub, args[2]);
  else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "export") == 0 && rest == 3)
    ret = concord_cli_connection_export (cli, args[2]);
  else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "import") == 0 && rest == 4)
    ret = concord_cli_connection_import (cli, args[2], args[3]);
  else if (g_str_equal (command, "sync"))
    ret = concord_cli_sync_connection (cli, rest, args);
  else if (g_str_equal (command, "log"))
    ret = concord_cli_show_log (cli, rest, args);
  else
    ret = concord_cli_usage (_("unknown command"));

  return ret;
}

int
main (int   argc,
      char *argv[])
{
  ConcordCli cli = { 0 };
  gboolean has_json = FALSE;
  int first = 1;
  int ret;

  /* Standard output is for data (JSON); every log message goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  setlocale (LC_ALL, "");
  /* CONCORD_LOCALE_DIR: the message catalogs somewhere else than where
   * they are installed (the tests' pseudo-locales, which are not). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CONCORD_LOCALE_DIR") != NULL ? g_getenv ("CONCORD_LOCALE_DIR")
                                                                           : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options come before the command. */
  while (first < argc && g_str_has_prefix (argv[first], "--"))
    {
      if (g_str_equal (argv[first], "--data-dir") && first + 1 < argc)
        {
          cli.data_dir = g_strdup (argv[first + 1]);
          first += 2;
        }
      else if (g_str_has_prefix (argv[first], "--data-dir="))
        cli.data_dir = g_strdup (argv[first++] + strlen ("--data-dir="));
      else if (g_str_equal (argv[first], "--version"))
        {
          g_print ("concord-cli %s\n", PACKAGE_VERSION);
          return EXIT_SUCCESS;
        }
      else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
        {
          print_usage (FALSE);
          return EXIT_SUCCESS;
        }
      else
        return concord_cli_usage (_("unknown option"));
    }

  if (first >= argc)
    return concord_cli_usage (NULL);

  for (int i = first; i < argc; i++)
    if (g_str_equal (argv[i], "--json"))
      has_json = TRUE;
  cli.json = has_json;

  ret = run_command (&cli, argc - first, argv + first, has_json);

  g_clear_object (&cli.store);
  g_free (cli.data_dir);
  return ret;
}
