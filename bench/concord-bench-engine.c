/* concord-bench-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The engine benchmark: N contacts on each side in memory connectors, half
 * of them the same people (by email; a tenth of those written with other
 * case or spaces). Three phases, one line each:
 *
 *   initial  the first two-way sync: matches merge, the rest are created
 *   resync   a run with no edit: must write nothing
 *   edits    a run after 1% of each side's contacts were edited: must write
 *            exactly the edited contacts to the other side
 *
 *   bench-engine phase=initial n=100000 wall_s=7.20 cpu_s=7.10 rss_mb=310 engine_mb=150 writes_a=… writes_b=…
 *
 * wall_s is the run's wall-clock time and cpu_s the CPU time it took (the
 * steadier figure on a busy machine); rss_mb the process's peak resident
 * memory so far (it includes the two in-memory apps); engine_mb the
 * engine's own peak heap during the phase, without the apps' records (see
 * EngineMemory). Exits 1 when a phase writes other than it must.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-store.h"
#include "concord-sync-run.h"

static const char * const first_names[] = { "Ann", "Bob", "Cyd", "Dee", "Eve", "Fay", "Gus", "Hal" };
static const char * const companies[] = { "Acme", "Globex", "Initech", "Umbrella", "Hooli" };

/* The engine's own memory: the heap in use (glibc's count of what malloc
 * gave out and not taken back) less what it was before anything was made,
 * less what the two in-memory apps' stored records hold
 * (concord_memory_connector_get_allocated_size()). Sampled at every page
 * read and every batch written, through the run's progress callback. */
typedef struct
{
  ConcordMemoryConnector *apps[2];
  gsize                   base;
  gssize                  peak;
} EngineMemory;

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static void
sample_engine_memory (EngineMemory *memory)
{
  gssize own = (gssize) heap_in_use () - (gssize) memory->base -
               (gssize) concord_memory_connector_get_allocated_size (memory->apps[0]) -
               (gssize) concord_memory_connector_get_allocated_size (memory->apps[1]);

  memory->peak = MAX (memory->peak, own);
}

static void
on_progress (ConcordRunPhase  stage,
             guint           done,
             guint           total,
             gpointer        user_data)
{
  sample_engine_memory (user_data);
}

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

/* The process's CPU time (user and system): steadier than the wall clock
 * on a busy machine. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static char *
email_of (guint    i,
          gboolean varied)
{
  if (!varied)
    return g_strdup_printf ("person%u@example.com", i);

  return i % 2 ? g_strdup_printf ("Person%u@EXAMPLE.com", i) : g_strdup_printf ("  person%u@example.com ", i);
}

static void
fill (ConcordMemoryConnector *side,
      guint                   first,
      guint                   n,
      guint                   overlap_end,
      gboolean                is_b)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);
      /* A tenth of the people both sides know differ in case or spaces. */
      gboolean varied = is_b && i < overlap_end && i % 10 == 0;
      g_autofree char *email = email_of (i, varied);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING,
                               first_names[i % G_N_ELEMENTS (first_names)]);
      if (!is_b)
        {
          concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING,
                                   i % 3 ? "Smith" : "Jones");
          concord_record_set_text (record, CONCORD_FIELD_COMPANY, CONCORD_FIELD_TYPE_STRING,
                                   companies[i % G_N_ELEMENTS (companies)]);
        }
      else
        {
          g_autofree char *phone = g_strdup_printf ("+1 555 %07u", i);
          const char *lists[] = { i % 2 ? "Newsletter" : "Customers", NULL };

          concord_record_set_text (record, CONCORD_FIELD_PHONE, CONCORD_FIELD_TYPE_PHONE, phone);
          concord_record_set_set (record, CONCORD_FIELD_LISTS, lists);
        }
      concord_memory_connector_insert (side, record);
    }
}

static void
edit_some (ConcordMemoryConnector *side,
           const char             *field,
           guint                   n_edits,
           guint                   salt)
{
  g_autoptr(GPtrArray) all = concord_memory_connector_get_all (side);
  guint step = MAX (1, all->len / n_edits);

  for (guint k = 0; k < n_edits; k++)
    {
      ConcordRecord *current = g_ptr_array_index (all, (k * step + salt) % all->len);
      g_autoptr(ConcordRecord) edited = concord_record_copy (current);
      g_autofree char *title = g_strdup_printf ("Title %u-%u", salt, k);

      concord_record_set_text (edited, field, CONCORD_FIELD_TYPE_STRING, title);
      concord_memory_connector_replace (side, edited);
    }
}

static gboolean
phase (const char             *name,
       guint                   n,
       ConcordStore           *store,
       gint64                  connection_id,
       ConcordSyncConfig      *config,
       ConcordMemoryConnector *a,
       ConcordMemoryConnector *b,
       EngineMemory           *memory,
       gint64                  expect_a,
       gint64                  expect_b)
{
  ConcordRunOptions options = { .progress = on_progress, .progress_data = memory };
  ConcordRunSummary summary;
  g_autoptr(GError) error = NULL;
  gint64 start, end;
  guint writes_a, writes_b;
  double wall, cpu;

  concord_memory_connector_reset_counters (a);
  concord_memory_connector_reset_counters (b);

  memory->peak = 0;
  sample_engine_memory (memory);
  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  if (!concord_sync_run (store, connection_id, config, CONCORD_CONNECTOR (a), "contacts",
                         CONCORD_CONNECTOR (b), "contacts", &options, NULL, &summary, &error))
    {
      g_printerr ("bench-engine: phase %s failed: %s\n", name, error->message);
      return FALSE;
    }
  end = g_get_monotonic_time ();
  wall = (end - start) / (double) G_USEC_PER_SEC;
  cpu = cpu_seconds () - cpu;
  sample_engine_memory (memory);

  writes_a = summary.created[0] + summary.updated[0];
  writes_b = summary.created[1] + summary.updated[1];

  g_print ("bench-engine phase=%s n=%u wall_s=%.2f cpu_s=%.2f rss_mb=%.0f engine_mb=%.0f "
           "writes_a=%u writes_b=%u\n",
           name, n, wall, cpu, peak_rss_mb (), memory->peak / 1048576.0, writes_a, writes_b);
  g_print ("# %s: %u records read in %.2f s (%.0f records/s), %u created, %u updated, "
           "%u write calls, %u failed\n",
           name, summary.listed[0] + summary.listed[1], wall,
           (summary.listed[0] + summary.listed[1]) / MAX (wall, 1e-6),
           summary.created[0] + summary.created[1], summary.updated[0] + summary.updated[1],
           summary.write_calls[0] + summary.write_calls[1], summary.failed[0] + summary.failed[1]);

  concord_run_summary_clear (&summary);

  if ((expect_a >= 0 && writes_a != expect_a) || (expect_b >= 0 && writes_b != expect_b))
    {
      g_printerr ("bench-engine: phase %s wrote %u/%u, expected %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\n",
                  name, writes_a, writes_b, expect_a, expect_b);
      return FALSE;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(ConcordMemoryConnector) a = NULL;
  g_autoptr(ConcordMemoryConnector) b = NULL;
  g_autoptr(GPtrArray) schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  ConcordSyncConfig config;
  ConcordConnectionRow row = { 0 };
  EngineMemory memory = { .base = heap_in_use () };
  const ConcordFieldSpec *specs;
  gint64 connection_id;
  guint n_specs, n_edits;
  int n = 100000;
  gboolean ok;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Contacts on each side (default 100000)", "N" },
    { NULL }
  };

  context = g_option_context_new ("- benchmark the sync engine");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 10)
    {
      g_printerr ("concord-bench-engine: %s\n", error ? error->message : "--n must be at least 10");
      return 2;
    }

  dir = g_dir_make_tmp ("concord-bench-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  store = concord_store_new (path, &error);
  if (store == NULL)
    {
      g_printerr ("concord-bench-engine: %s\n", error->message);
      return 1;
    }

  concord_store_add_account (store, "a", "memory", "A", NULL, NULL);
  concord_store_add_account (store, "b", "memory", "B", NULL, NULL);
  row.name = (char *) "bench";
  row.account_a = (char *) "a";
  row.type_a = (char *) "contacts";
  row.account_b = (char *) "b";
  row.type_b = (char *) "contacts";
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);

  specs = concord_fields_get_all (&n_specs);
  for (guint i = 0; i < n_specs; i++)
    g_ptr_array_add (schema, concord_field_spec_copy (&specs[i]));
  mapping = concord_mapping_new_default (schema, schema);
  concord_sync_config_init (&config, mapping);

  a = concord_memory_connector_new ("a", CONCORD_CONNECTOR_NONE);
  b = concord_memory_connector_new ("b", CONCORD_CONNECTOR_NONE);
  for (guint s = 0; s < 2; s++)
    {
      ConcordMemoryConnector *side = s == 0 ? a : b;

      concord_memory_connector_set_page_size (side, 1000);
      concord_memory_connector_set_max_batch (side, 1000);
    }

  /* A: people 0 … n-1; B: people n/2 … n/2+n-1; half the same people. */
  fill (a, 0, n, n, FALSE);
  fill (b, n / 2, n, n, TRUE);

  memory.apps[0] = a;
  memory.apps[1] = b;

  g_print ("# the two in-memory apps hold %u + %u contacts: rss_mb=%.0f before any sync\n",
           concord_memory_connector_get_n_records (a), concord_memory_connector_get_n_records (b),
           peak_rss_mb ());
  g_print ("# their records take %.0f MB of the heap; engine_mb is the engine's own peak heap, without them\n",
           (concord_memory_connector_get_allocated_size (a) +
            concord_memory_connector_get_allocated_size (b)) / 1048576.0);

  /* Initial: n/2 matched pairs get each other's fields, n/2 created each way. */
  ok = phase ("initial", n, store, connection_id, &config, a, b, &memory, n, n);
  ok = ok && phase ("resync", n, store, connection_id, &config, a, b, &memory, 0, 0);

  n_edits = MAX (1, n / 100);
  /* Different fields, so a pair edited on both sides is no conflict. */
  edit_some (a, CONCORD_FIELD_JOB_TITLE, n_edits, 1);
  edit_some (b, CONCORD_FIELD_NOTES, n_edits, 7);
  ok = ok && phase ("edits", n, store, connection_id, &config, a, b, &memory, n_edits, n_edits);

  concord_sync_config_clear (&config);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }

  return ok ? 0 : 1;
}
