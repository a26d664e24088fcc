/* concord-bench-vcard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The shared vCard layer (src/connectors/concord-vcard.c) over N cards
 * (default 10,000) of about 260 bytes each, 3.0 and 4.0 alternately, as
 * one .vcf stream. Phases, one line each:
 *
 *   parse      concord_vcard_parse_many() of the stream
 *   to-record  concord_vcard_to_record() of each card, region GB (a
 *              national number each, through libphonenumber)
 *   apply      concord_vcard_apply() of a two-field change (job title and
 *              a new email) to each card, then concord_vcard_to_string()
 *   unchanged  concord_vcard_apply() of each card's own record (nothing
 *              to write: the engine's no-change case)
 *
 *   bench-vcard phase=parse n=10000 wall_s=0.021 cpu_s=0.020 cards_per_cpu_s=500000 rss_mb=41 …
 *
 * cpu_s is the process's CPU time in the phase (steadier than wall_s on a
 * shared machine).
 *
 * --n N: the number of cards; --region CC|none: the country phones are
 * read with (GB: half the numbers are national, through libphonenumber);
 * --parse-only: stop after the parse; --warm: parse and read the cards
 * once, untimed, before (a running app's heap, not fresh pages).
 *
 * Target: parse + to-record of 10,000 cards in well under 100 ms.
 * Exits 1 when a card is refused, or a result is not what was generated.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "concord-fields.h"
#include "concord-vcard.h"

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

/* The process's CPU time (user + system), in seconds: on a shared
 * machine a steadier figure than the wall clock. */
static double
cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double phase_cpu;

static gint64
phase_start (void)
{
  phase_cpu = cpu_s ();
  return g_get_monotonic_time ();
}

static void
report (const char *phase,
        guint       n,
        gint64      start,
        const char *extra)
{
  double wall = (g_get_monotonic_time () - start) / 1e6;
  double cpu = cpu_s () - phase_cpu;

  g_print ("bench-vcard phase=%s n=%u wall_s=%.3f cpu_s=%.3f cards_per_cpu_s=%.0f rss_mb=%.0f%s%s\n",
           phase, n, wall, cpu, cpu > 0 ? n / cpu : 0.0, peak_rss_mb (),
           extra != NULL ? " " : "", extra != NULL ? extra : "");
}

static void
append_card (GString *out,
             guint    i)
{
  if (i % 2 == 0)
    g_string_append_printf (out,
                            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-%06u\r\nN:Person%u;Ann;;;\r\n"
                            "FN:Ann Person%u\r\nEMAIL;TYPE=INTERNET,WORK,pref:ann%u@example.com\r\n"
                            "TEL;TYPE=WORK,VOICE:020 7946 %04u\r\nORG:Example %u Ltd\r\n"
                            "ADR;TYPE=WORK:;;%u High St;London;;N1 1AA;UK\r\n"
                            "X-CUSTOMER-ID:C%u\r\nEND:VCARD\r\n",
                            i, i, i, i, i % 10000, i % 97, i % 300, i);
  else
    g_string_append_printf (out,
                            "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:bench-%06u\r\nFN:Bo Person%u\r\n"
                            "N:Person%u;Bo;;;\r\nEMAIL;TYPE=home;PREF=1:bo%u@example.org\r\n"
                            "TEL;TYPE=cell:+44 7700 9%05u\r\nNOTE:Customer since 2019\\, VIP\r\n"
                            "CATEGORIES:vip,newsletter\r\nX-CUSTOMER-ID:C%u\r\nEND:VCARD\r\n",
                            i, i, i, i, i % 100000, i);
}

int
main (int   argc,
      char *argv[])
{
  guint n = 10000;
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) cards = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autoptr(ConcordRecord) change = concord_record_new (NULL);
  g_autofree char *extra = NULL;
  gsize out_bytes = 0;
  gint64 start;
  const char *region = "GB";
  gboolean parse_only = FALSE;
  gboolean warm = FALSE;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--n") && i + 1 < argc)
      n = strtoul (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--region") && i + 1 < argc)
      {
        region = argv[++i];
        if (g_str_equal (region, "none"))
          region = NULL;
      }
    else if (g_str_equal (argv[i], "--parse-only"))
      parse_only = TRUE;
    else if (g_str_equal (argv[i], "--warm"))
      warm = TRUE;

  for (guint i = 0; i < n; i++)
    append_card (stream, i);

  /* --warm: the phases once before, untimed, so that the heap is the
   * process's already (a running app's), not fresh pages from the kernel. */
  if (warm)
    {
      g_autoptr(GPtrArray) first = concord_vcard_parse_many (stream->str, stream->len, NULL);
      g_autoptr(GPtrArray) first_records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);

      for (guint i = 0; i < first->len; i++)
        g_ptr_array_add (first_records, concord_vcard_to_record (g_ptr_array_index (first, i), NULL, NULL));
    }

  start = phase_start ();
  cards = concord_vcard_parse_many (stream->str, stream->len, errors);
  extra = g_strdup_printf ("bytes=%zu avg_card_bytes=%zu", stream->len, n > 0 ? stream->len / n : 0);
  report ("parse", n, start, extra);
  if (cards->len != n || errors->len != 0)
    {
      g_printerr ("read %u cards of %u, %u refused\n", cards->len, n, errors->len);
      return 1;
    }
  if (parse_only)
    return 0;

  start = phase_start ();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (records, concord_vcard_to_record (g_ptr_array_index (cards, i), NULL, region));
  g_free (extra);
  extra = g_strdup_printf ("region=%s", region != NULL ? region : "none");
  report ("to-record", n, start, extra);
  if (n > 0 && region != NULL && g_strcmp0 (concord_record_get_text (g_ptr_array_index (records, 0), "phone"), "+442079460000") != 0)
    {
      g_printerr ("card 0's phone is %s\n", concord_record_get_text (g_ptr_array_index (records, 0), "phone"));
      return 1;
    }

  start = phase_start ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      if (!concord_vcard_apply (g_ptr_array_index (cards, i), g_ptr_array_index (records, i), NULL, region, &error))
        {
          g_printerr ("card %u: %s\n", i, error->message);
          return 1;
        }
    }
  report ("unchanged", n, start, NULL);

  concord_record_set_text (change, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING, "Buyer");
  concord_record_set_text (change, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, "new@example.net");
  start = phase_start ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      gsize length;

      if (!concord_vcard_apply (g_ptr_array_index (cards, i), change, NULL, region, &error))
        {
          g_printerr ("card %u: %s\n", i, error->message);
          return 1;
        }
      out = concord_vcard_to_string (g_ptr_array_index (cards, i), &length);
      out_bytes += length;
      if (strstr (out, "\r\nTITLE:Buyer\r\n") == NULL || strstr (out, ":new@example.net\r\n") == NULL)
        {
          g_printerr ("card %u was not changed:\n%s", i, out);
          return 1;
        }
    }
  g_free (extra);
  extra = g_strdup_printf ("bytes=%zu", out_bytes);
  report ("apply", n, start, extra);

  return 0;
}
