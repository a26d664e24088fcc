/* concord-engine-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The facade's part for the rule editor: how many contacts of one side of a
 * connection a filter takes in now, with a few of them as a sample; and
 * which values a field holds there (the lists and tags in use), for the
 * editor to offer.
 *
 * Counting needs the side's whole listing, which can be 100,000 contacts
 * and many pages from a web API. The editor asks again after every pause in
 * typing, so the listing is kept on the engine thread per (connection,
 * side) for CONCORD_COUNT_CACHE_SECONDS and reused; it is dropped sooner
 * when a run of that connection started or finished since (the run's row
 * in the store tells), because a run is what changes the contacts the user
 * is looking at. Nothing here writes to an app or to the store.
 *
 * The cache lives on the engine object as qdata, touched only on the engine
 * thread (and freed with the engine, after its thread stopped). Jobs on the
 * engine thread may nest while one waits for the network; each one holds a
 * reference to the listing it counts, so a nested job replacing the cache
 * entry never pulls records from under another.
 */

#define G_LOG_DOMAIN "concord-engine-rules"

#include "config.h"

#include "concord-engine-private.h"
#include "concord-engine-rules.h"
#include "concord-error.h"
#include "concord-fields.h"

/* A side's listing as counted. */
typedef struct
{
  GPtrArray *records;       /* (owned) of ConcordRecord */
  gint64     listed_at;     /* monotonic µs */
  gint64     run_id;        /* the connection's latest run when listed, 0: none */
  gint64     run_finished;  /* and when it finished, 0: still going */
} Listing;

/* A count job's arguments and results (a values job uses @field and
 * @sample only). */
typedef struct
{
  gint64          connection_id;  /* 0: @account_id and @type instead */
  char           *account_id;     /* (owned) (nullable) */
  char           *type;           /* (owned) (nullable) */
  ConcordSide     side;
  char           *field;       /* (owned) (nullable) */
  ConcordFilter  *filter;      /* (owned) (nullable) private copy; NULL: everyone */
  guint           n_matching;
  guint           n_total;
  char          **sample;      /* (owned) */
} CountJob;

static GQuark listing_quark;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
listing_free (gpointer data)
{
  Listing *listing = data;

  g_clear_pointer (&listing->records, g_ptr_array_unref);
  g_free (listing);
}

static void
count_job_free (gpointer data)
{
  CountJob *job = data;

  g_clear_pointer (&job->filter, concord_filter_unref);
  g_free (job->account_id);
  g_free (job->type);
  g_free (job->field);
  g_strfreev (job->sample);
  g_free (job);
}

/* Engine thread only: the cache, made on first use. */
static GHashTable *
get_cache (ConcordEngine *self)
{
  GHashTable *cache = g_object_get_qdata (G_OBJECT (self), listing_quark);

  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, listing_free);
      g_object_set_qdata_full (G_OBJECT (self), listing_quark, cache,
                               (GDestroyNotify) g_hash_table_unref);
    }

  return cache;
}

/* The latest run of the connection: what invalidates a listing. */
static gboolean
latest_run (ConcordEngine  *self,
            gint64          connection_id,
            gint64         *run_id,
            gint64         *finished,
            GError        **error)
{
  g_autoptr(GPtrArray) runs = concord_store_list_runs (self->store, connection_id, 1, error);

  if (runs == NULL)
    return FALSE;

  *run_id = 0;
  *finished = 0;
  if (runs->len > 0)
    {
      ConcordRunRow *row = g_ptr_array_index (runs, 0);

      *run_id = row->id;
      *finished = row->finished;
    }

  return TRUE;
}

/* Every record of the side, page after page (a full listing, never an
 * incremental one: the cursor of the runs is left alone). */
static GPtrArray *
list_all (ConcordConnector  *connector,
          const char        *type,
          GCancellable      *cancellable,
          GError           **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  g_autofree char *page_token = NULL;

  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (connector, type, NULL, page_token, cancellable,
                                    concord_engine_store_result_cb, &slot);
      result = concord_engine_wait_slot (&slot);
      if ((page = concord_connector_list_finish (connector, result, error)) == NULL)
        return NULL;

      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);

          /* What a run cannot take part in is not counted either. */
          if (concord_record_get_remote_id (record) != NULL)
            g_ptr_array_add (records, concord_record_ref (record));
        }

      g_clear_pointer (&page_token, g_free);
      page_token = g_steal_pointer (&page->next_page);
      if (page_token == NULL)
        break;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }

  return g_steal_pointer (&records);
}

/* How a contact of the sample reads: "Ann Lee <ann@example.com>". */
static char *
describe_record (const ConcordRecord *record)
{
  const char *email = concord_record_get_email (record);
  const char *first = concord_record_get_text (record, CONCORD_FIELD_FIRST_NAME);
  const char *last = concord_record_get_text (record, CONCORD_FIELD_LAST_NAME);
  g_autofree char *name = NULL;

  if (first != NULL && last != NULL)
    name = g_strdup_printf ("%s %s", first, last);
  else if (first != NULL || last != NULL)
    name = g_strdup (first != NULL ? first : last);

  if (name != NULL && email != NULL)
    return g_strdup_printf ("%s <%s>", name, email);
  if (email != NULL)
    return g_strdup (email);
  if (name != NULL)
    return g_steal_pointer (&name);
  return g_strdup (concord_record_get_remote_id (record));
}

/* ------------------------------------------------------------------------- */
/* Worker                                                                    */
/* ------------------------------------------------------------------------- */

static GPtrArray *
get_listing (ConcordEngine  *self,
             CountJob       *job,
             GCancellable   *cancellable,
             GError        **error)
{
  GHashTable *cache = get_cache (self);
  g_autofree char *key = job->connection_id != 0
                         ? g_strdup_printf ("%" G_GINT64_FORMAT ":%s", job->connection_id,
                                            CONCORD_SIDE_NAME (job->side))
                         : g_strdup_printf ("account:%s:%s", job->account_id, job->type);
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  Listing *listing;
  gint64 run_id, finished;
  gint64 now = g_get_monotonic_time ();

  /* An account not (yet) in a connection has no runs: its listing lives
   * its minute. */
  if (job->connection_id == 0)
    run_id = finished = 0;
  else if (!latest_run (self, job->connection_id, &run_id, &finished, error))
    return NULL;

  /* Listings of other connections or sides not counted for a while go:
   * they may be large. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, cache);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      if (now - ((Listing *) value)->listed_at >= CONCORD_COUNT_CACHE_SECONDS * G_USEC_PER_SEC)
        g_hash_table_iter_remove (&iter);
  }

  listing = g_hash_table_lookup (cache, key);
  if (listing != NULL &&
      now - listing->listed_at < CONCORD_COUNT_CACHE_SECONDS * G_USEC_PER_SEC &&
      listing->run_id == run_id && listing->run_finished == finished)
    return g_ptr_array_ref (listing->records);
  g_hash_table_remove (cache, key);

  if (job->connection_id == 0)
    {
      if ((connector = concord_engine_get_connector (self, job->account_id, error)) == NULL ||
          (records = list_all (connector, job->type, cancellable, error)) == NULL)
        return NULL;
    }
  else if ((row = concord_store_get_connection_by_id (self->store, job->connection_id, error)) == NULL ||
           (connector = concord_engine_get_connector (self, job->side == CONCORD_SIDE_A ? row->account_a
                                                                                       : row->account_b,
                                                      error)) == NULL ||
           (records = list_all (connector, job->side == CONCORD_SIDE_A ? row->type_a : row->type_b,
                                cancellable, error)) == NULL)
    return NULL;

  listing = g_new0 (Listing, 1);
  listing->records = g_ptr_array_ref (records);
  listing->listed_at = g_get_monotonic_time ();
  listing->run_id = run_id;
  listing->run_finished = finished;
  g_hash_table_replace (cache, g_steal_pointer (&key), listing);

  return g_steal_pointer (&records);
}

static void
count_matching_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  CountJob *job = task_data;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GStrvBuilder) sample = g_strv_builder_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint n_sample = 0;
  GError *error = NULL;

  /* A count the editor replaced before it started is not worth a listing. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !concord_engine_ensure_store (self, &error) ||
      (records = get_listing (self, job, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  job->n_total = records->len;
  for (guint i = 0; i < records->len; i++)
    {
      const ConcordRecord *record = g_ptr_array_index (records, i);

      if (job->filter != NULL && !concord_filter_matches (job->filter, record, now))
        continue;

      job->n_matching++;
      if (n_sample < CONCORD_COUNT_SAMPLE_SIZE)
        {
          g_autofree char *text = describe_record (record);

          if (text != NULL)
            {
              g_strv_builder_add (sample, text);
              n_sample++;
            }
        }
    }
  job->sample = g_strv_builder_end (sample);

  g_task_return_boolean (task, TRUE);
}

static int
compare_text (gconstpointer a,
              gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
list_values_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ConcordEngine *self = source_object;
  CountJob *job = task_data;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  GQuark key = g_quark_from_string (job->field);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !concord_engine_ensure_store (self, &error) ||
      (records = get_listing (self, job, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Distinct without regard to case, as the filter compares them; the
   * first spelling met is the one offered. */
  for (guint i = 0; i < records->len && g_hash_table_size (seen) < CONCORD_LIST_VALUES_MAX; i++)
    {
      const ConcordValue *value = concord_record_get_quark (g_ptr_array_index (records, i), key);
      g_autofree char *single = NULL;
      char *one[2] = { NULL, NULL };
      char **items;

      if (value == NULL)
        continue;
      if (value->type == CONCORD_FIELD_TYPE_STRING_SET)
        items = value->v.set;
      else
        {
          one[0] = single = concord_value_to_string (value);
          items = one;
        }

      for (guint j = 0; items[j] != NULL && g_hash_table_size (seen) < CONCORD_LIST_VALUES_MAX; j++)
        {
          if (*items[j] == '\0' || !g_hash_table_add (seen, g_utf8_casefold (items[j], -1)))
            continue;
          g_ptr_array_add (values, g_strdup (items[j]));
        }
    }

  g_ptr_array_sort (values, compare_text);
  g_ptr_array_add (values, NULL);
  job->sample = (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);

  g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_engine_count_matching_async:
 * @connection_id: the connection
 * @side: the side whose contacts are counted (a rule's source side)
 * @filter: (nullable) (transfer none): the filter; %NULL: every contact.
 *   It is copied: the caller may change or drop it right away
 *
 * Counts on the engine thread how many contacts of @side @filter takes in
 * now. The side's listing is read through its connector and reused for a
 * minute, or until a run of the connection started or finished, so
 * counting again while a rule is edited asks the app nothing. An invalid
 * filter fails with %CONCORD_ERROR_INVALID without reading anything.
 */
static void count_matching (ConcordEngine       *self,
                            gint64               connection_id,
                            const char          *account_id,
                            const char          *type,
                            ConcordSide          side,
                            ConcordFilter       *filter,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);

void
concord_engine_count_matching_async (ConcordEngine       *self,
                                     gint64               connection_id,
                                     ConcordSide          side,
                                     ConcordFilter       *filter,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (connection_id > 0);
  g_return_if_fail (side == CONCORD_SIDE_A || side == CONCORD_SIDE_B);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  count_matching (self, connection_id, NULL, NULL, side, filter, cancellable, callback, user_data);
}

/**
 * concord_engine_count_matching_in_async:
 * @account_id: an account
 * @type: one of its contact types
 *
 * Like concord_engine_count_matching_async(), for the contacts of an
 * account that is in no connection yet (while a connection is being
 * made). Finish with concord_engine_count_matching_finish().
 */
void
concord_engine_count_matching_in_async (ConcordEngine       *self,
                                        const char          *account_id,
                                        const char          *type,
                                        ConcordFilter       *filter,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (account_id != NULL && type != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  count_matching (self, 0, account_id, type, CONCORD_SIDE_A, filter, cancellable, callback, user_data);
}

static void
count_matching (ConcordEngine       *self,
                gint64               connection_id,
                const char          *account_id,
                const char          *type,
                ConcordSide          side,
                ConcordFilter       *filter,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  CountJob *job;

  if (listing_quark == 0)
    listing_quark = g_quark_from_static_string ("concord-engine-count-listings");

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_count_matching_async);
  g_task_set_name (task, "[concord] count matching");

  job = g_new0 (CountJob, 1);
  job->connection_id = connection_id;
  job->account_id = g_strdup (account_id);
  job->type = g_strdup (type);
  job->side = side;
  g_task_set_task_data (task, job, count_job_free);

  if (filter != NULL)
    {
      g_autoptr(JsonNode) node = NULL;

      /* A deep copy for the engine thread: the caller's filter may change. */
      if (concord_filter_validate (filter, &error))
        {
          node = concord_filter_to_json (filter);
          job->filter = concord_filter_new_from_json (node, "filter", &error);
        }
      if (job->filter == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  concord_worker_thread_queue (self->worker, task, count_matching_worker);
}

/**
 * concord_engine_count_matching_finish:
 * @n_matching: (out) (optional): how many contacts the filter takes in
 * @n_total: (out) (optional): how many contacts the side has
 * @sample: (out) (optional) (transfer full): up to
 *   %CONCORD_COUNT_SAMPLE_SIZE of the matching contacts, for people
 *   ("Ann Lee <ann@example.com>"), in the app's order
 *
 * Returns: whether the count was made
 */
gboolean
concord_engine_count_matching_finish (ConcordEngine  *self,
                                      GAsyncResult   *result,
                                      guint          *n_matching,
                                      guint          *n_total,
                                      GStrv          *sample,
                                      GError        **error)
{
  CountJob *job;

  g_return_val_if_fail (CONCORD_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_count_matching_async,
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  if (n_matching != NULL)
    *n_matching = job->n_matching;
  if (n_total != NULL)
    *n_total = job->n_total;
  if (sample != NULL)
    *sample = g_strdupv (job->sample);

  return TRUE;
}

/**
 * concord_engine_list_values_async:
 * @connection_id: the connection
 * @side: the side whose contacts are read
 * @field: a field key ("tags", "lists", "custom:Plan")
 *
 * Reads on the engine thread which values @field holds among the side's
 * contacts now (the members of a list or tag field), from the same
 * listing concord_engine_count_matching_async() keeps.
 */
void
concord_engine_list_values_async (ConcordEngine       *self,
                                  gint64               connection_id,
                                  ConcordSide          side,
                                  const char          *field,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CountJob *job;

  g_return_if_fail (CONCORD_IS_ENGINE (self));
  g_return_if_fail (side == CONCORD_SIDE_A || side == CONCORD_SIDE_B);
  g_return_if_fail (field != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (listing_quark == 0)
    listing_quark = g_quark_from_static_string ("concord-engine-count-listings");

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, concord_engine_list_values_async);
  g_task_set_name (task, "[concord] list values");

  job = g_new0 (CountJob, 1);
  job->connection_id = connection_id;
  job->side = side;
  job->field = g_strdup (field);
  g_task_set_task_data (task, job, count_job_free);

  concord_worker_thread_queue (self->worker, task, list_values_worker);
}

/**
 * concord_engine_list_values_finish:
 *
 * Returns: (transfer full): the distinct values, sorted for people, at
 *   most %CONCORD_LIST_VALUES_MAX; %NULL with @error set on failure
 */
GStrv
concord_engine_list_values_finish (ConcordEngine  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  CountJob *job;

  g_return_val_if_fail (CONCORD_IS_ENGINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == concord_engine_list_values_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  job = g_task_get_task_data (G_TASK (result));
  return g_strdupv (job->sample);
}
