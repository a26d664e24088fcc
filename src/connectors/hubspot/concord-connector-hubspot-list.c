/* concord-connector-hubspot-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Listing HubSpot contacts (see concord-connector-hubspot.c): full
 * listings, incremental ones through the search endpoint with its change
 * cursor and window, their pages, and the pacing of search pages.
 */

#define G_LOG_DOMAIN "concord-connector-hubspot"

#include "config.h"

#include <string.h>
#include "concord-connector-hubspot.h"
#include "concord-connector-hubspot-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"
#include "concord-write-batch.h"

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */
/* ------------------------------------------------------------------------- */

/* A change cursor: "<epoch ms>;full=<Unix time of the last full listing>". */
static gboolean
read_change_cursor (const char *cursor,
                    gint64     *since_ms,
                    gint64     *full_at)
{
  g_auto(GStrv) parts = g_strsplit (cursor, ";", 2);

  *full_at = 0;
  if (!g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64 / 2, since_ms, NULL))
    return FALSE;
  return parts[1] != NULL && g_str_has_prefix (parts[1], "full=") &&
         g_ascii_string_to_signed (parts[1] + 5, 10, 0, G_MAXINT64, full_at, NULL);
}

static ConcordHttpRequest *
full_list_request (ConcordConnectorHubspot *self,
                   const char              *after)
{
  g_autoptr(GString) path = g_string_new (PATH_CONTACTS);
  g_autofree char *names = g_uri_escape_string (self->names != NULL ? self->names : "", ",",
                                                FALSE);

  g_string_append_printf (path, "?limit=%u&archived=false&properties=%s", self->page_limit,
                          names);
  if (after != NULL && *after != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (after, NULL, FALSE);

      g_string_append_printf (path, "&after=%s", escaped);
    }
  return concord_http_request_new ("GET", path->str, "GET " PATH_CONTACTS);
}

/* Whether every property's name fits in a search body (at most 3,000
 * characters in all): a search that names only some would give contacts
 * without the others, which would read as emptied. */
static gboolean
names_fit_search (ConcordConnectorHubspot *self)
{
  gsize length = 0;

  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    length += strlen (((ConcordHubspotProperty *) g_ptr_array_index (self->properties, i))->name) + 3;
  return length <= MAX_SEARCH_NAMES;
}

static ConcordHttpRequest *
search_request (ConcordConnectorHubspot *self,
                gint64                   since_ms,
                guint                    after)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (since_ms, 0));
  g_autofree char *after_text = g_strdup_printf ("%u", after);
  ConcordHttpRequest *request;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "filterGroups");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "filters");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "propertyName");
  json_builder_add_string_value (builder, "lastmodifieddate");
  json_builder_set_member_name (builder, "operator");
  json_builder_add_string_value (builder, "GTE");
  json_builder_set_member_name (builder, "value");
  json_builder_add_string_value (builder, since);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sorts");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "propertyName");
  json_builder_add_string_value (builder, "lastmodifieddate");
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, "ASCENDING");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_array (builder);
  /* Every name (names_fit_search() said they fit). */
  for (guint i = 0; self->properties != NULL && i < self->properties->len; i++)
    json_builder_add_string_value (builder,
                                   ((ConcordHubspotProperty *) g_ptr_array_index (self->properties, i))->name);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, self->search_limit);
  json_builder_set_member_name (builder, "after");
  json_builder_add_string_value (builder, after_text);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  request = _concord_hubspot_new_request ("POST", PATH_CONTACTS "/search", "POST " PATH_CONTACTS "/search", body);
  /* A search changes nothing: repeating it is harmless. */
  concord_http_request_set_flags (request, CONCORD_HTTP_IDEMPOTENT);
  return request;
}

/* Page tokens: "a:<after>" a full listing's page, "s:<query>:<since
 * ms>:<after>" a search's. */
ConcordHttpRequest *
concord_connector_hubspot_build_list_request (ConcordRestConnector  *connector,
                                              const char            *contact_type,
                                              const char            *page_token,
                                              GError               **error)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  const char *cursor = concord_rest_connector_get_listing_cursor (connector);

  if (page_token == NULL)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      /* The first page decides, for the whole listing: changes since the
       * cursor, or everything when the last full listing is a day old. */
      self->since_ms = -1;
      self->full_at = now;
      self->start_ms = g_get_real_time () / 1000;
      self->max_ms = -1;
      self->query_max_ms = -1;
      self->generation = 0;
      g_clear_pointer (&self->seen, g_hash_table_unref);
      self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (cursor != NULL && !read_change_cursor (cursor, &self->since_ms, &self->full_at))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                               "Invalid change cursor for HubSpot");
          return NULL;
        }
      if (cursor != NULL && now - self->full_at >= FULL_SCAN_SECONDS)
        {
          self->since_ms = -1;
          self->full_at = now;
        }
      /* Too many properties to name in a search: every contact instead. */
      if (self->since_ms >= 0 && !names_fit_search (self))
        {
          g_debug ("the properties do not fit in a search; reading every contact");
          self->since_ms = -1;
        }
      if (self->since_ms < 0)
        {
          /* Pages by id: nothing comes twice, nothing to remember. */
          g_clear_pointer (&self->seen, g_hash_table_unref);
          return full_list_request (self, NULL);
        }
      self->query_since_ms = MAX (self->since_ms - OVERLAP_MS, 0);
      return search_request (self, self->query_since_ms, 0);
    }

  if (g_str_has_prefix (page_token, "a:"))
    return full_list_request (self, page_token + 2);

  {
    g_auto(GStrv) parts = g_strsplit (page_token, ":", 4);
    gint64 since;
    guint64 after;

    if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], "s") ||
        !g_ascii_string_to_signed (parts[2], 10, 0, G_MAXINT64 / 2, &since, NULL) ||
        !g_ascii_string_to_unsigned (parts[3], 10, 0, SEARCH_WINDOW, &after, NULL))
      {
        g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                             "Invalid page token for HubSpot");
        return NULL;
      }
    return search_request (self, since, (guint) after);
  }
}

/* Adds the contacts of @array to @page, noting the latest change seen
 * and leaving out those the listing gave already. */
static void
add_page_records (ConcordConnectorHubspot *self,
                  JsonArray               *array,
                  ConcordPage             *page)
{
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      ConcordRecord *record = _concord_hubspot_parse_contact (self, object);
      gint64 modified;

      if (record == NULL)
        continue;
      modified = _concord_hubspot_contact_modified_ms (object);
      self->max_ms = MAX (self->max_ms, modified);
      self->query_max_ms = MAX (self->query_max_ms, modified);
      /* A search started again repeats the contacts of its first instant
       * (and a full read after a search, those the search gave). */
      if (self->seen != NULL &&
          !g_hash_table_add (self->seen, g_strdup (concord_record_get_remote_id (record))))
        {
          concord_record_unref (record);
          continue;
        }
      g_ptr_array_add (page->records, record);
    }
}

/* The token of the search page after @next (HubSpot's "after"): the
 * same query further on, a new query from the latest instant seen when
 * the window is full, or a full listing when one instant fills it. */
static gboolean
next_search_token (ConcordConnectorHubspot  *self,
                   const char               *next,
                   const char               *label,
                   char                    **token,
                   GError                  **error)
{
  guint64 after;

  if (!g_ascii_string_to_unsigned (next, 10, 1, G_MAXUINT, &after, NULL))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the next page's position is not a number", label);
      return FALSE;
    }
  if (after + self->search_limit <= self->search_window)
    *token = g_strdup_printf ("s:%u:%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT,
                              self->generation, self->query_since_ms, after);
  else if (self->query_max_ms > self->query_since_ms)
    {
      /* The window is full: a new query from the latest instant seen. */
      self->generation++;
      g_debug ("search window full after %" G_GUINT64_FORMAT " results; starting again",
               after);
      *token = g_strdup_printf ("s:%u:%" G_GINT64_FORMAT ":0", self->generation,
                                self->query_max_ms);
      self->query_since_ms = self->query_max_ms;
      self->query_max_ms = -1;
    }
  else
    {
      /* A whole window of one instant: no query can page past it. */
      g_debug ("search window full at one instant; reading every contact instead");
      self->since_ms = -1;
      *token = g_strdup ("a:");
    }

  return TRUE;
}

gboolean
concord_connector_hubspot_parse_page (ConcordRestConnector  *connector,
                                      const char            *contact_type,
                                      const char            *page_token,
                                      JsonNode              *root,
                                      SoupMessageHeaders    *headers,
                                      ConcordPage           *page,
                                      GError               **error)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  gboolean search = self->since_ms >= 0 &&
                    (page_token == NULL || g_str_has_prefix (page_token, "s:"));
  guint limit = search ? self->search_limit : self->page_limit;
  const char *label = search ? "POST " PATH_CONTACTS "/search" : "GET " PATH_CONTACTS;
  g_autofree char *next = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sync = NULL;
  JsonObject *paging;
  JsonArray *array;
  guint n;

  array = _concord_hubspot_results_array (root, label, error);
  if (array == NULL)
    return FALSE;
  n = json_array_get_length (array);
  if (n > limit)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                   "%s failed: the server sent %u contacts for a page of %u; the listing stops",
                   label, n, limit);
      return FALSE;
    }
  if (page_token != NULL && g_str_has_prefix (page_token, "s:"))
    {
      g_auto(GStrv) parts = g_strsplit (page_token, ":", 4);

      self->query_since_ms = g_ascii_strtoll (parts[2], NULL, 10);
    }

  add_page_records (self, array, page);

  paging = concord_rest_json_object (concord_rest_json_object (json_node_get_object (root),
                                                               "paging"), "next");
  next = paging != NULL ? _concord_hubspot_member_text (paging, "after") : NULL;
  if (n == 0)
    g_clear_pointer (&next, g_free);

  if (next != NULL && search)
    {
      if (!next_search_token (self, next, label, &token, error))
        return FALSE;
    }
  else if (next != NULL)
    token = g_strdup_printf ("a:%s", next);

  /* The next listing's cursor: after a full listing, when it started (it
   * saw everything changed before); after a search, the latest change
   * read (≥, less the overlap), never after this listing started; and
   * when the last full listing was. */
  sync = g_strdup_printf ("%" G_GINT64_FORMAT ";full=%" G_GINT64_FORMAT,
                          self->since_ms < 0 || self->max_ms < 0
                          ? self->start_ms : MIN (self->max_ms, self->start_ms),
                          self->full_at);
  if (!concord_rest_page_next_token (connector, page, token, sync, error))
    return FALSE;
  if (page->next_page == NULL)
    page->complete = self->since_ms < 0;
  return TRUE;
}

ConcordRecord *
concord_connector_hubspot_record_from_json (ConcordRestConnector *connector,
                                            const char           *contact_type,
                                            JsonNode             *node)
{
  return _concord_hubspot_parse_contact (CONCORD_CONNECTOR_HUBSPOT (connector),
                                         node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                                         ? json_node_get_object (node) : NULL);
}

ConcordHttpRequest *
concord_connector_hubspot_build_fetch_request (ConcordRestConnector *connector,
                                               const char           *contact_type,
                                               const char           *remote_id)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  g_autofree char *names = g_uri_escape_string (self->names != NULL ? self->names : "", ",",
                                                FALSE);
  g_autofree char *path = g_strdup_printf (PATH_CONTACTS "/%s?properties=%s",
                                           _concord_hubspot_is_id (remote_id) ? remote_id : "0", names);

  return concord_http_request_new ("GET", path, "GET " PATH_CONTACTS "/{id}");
}

ConcordHttpRequest *
concord_connector_hubspot_build_verify_request (ConcordRestConnector *connector)
{
  return concord_http_request_new ("GET", PATH_CONTACTS "?limit=1", "GET " PATH_CONTACTS);
}

gboolean
concord_connector_hubspot_check_verify_answer (ConcordRestConnector  *connector,
                                               JsonNode              *root,
                                               GError               **error)
{
  g_autoptr(GError) local = NULL;

  if (_concord_hubspot_results_array (root, "verify", &local) == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "GET " PATH_CONTACTS ": the server does not answer like HubSpot; "
                           "check the server address");
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Listing: search pages paced                                               */
/* ------------------------------------------------------------------------- */

typedef struct
{
  char     *contact_type;
  char     *cursor;      /* (nullable) */
  char     *page_token;  /* (nullable) */
  gboolean  search;
} ListState;

static void
list_state_free (ListState *state)
{
  g_free (state->contact_type);
  g_free (state->cursor);
  g_free (state->page_token);
  g_free (state);
}

static void
on_paced_list_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  ConcordPage *page = g_task_propagate_pointer (G_TASK (result), &error);
  ListState *state = g_task_get_task_data (task);

  /* Counted from the answer too: a page asked for on time but sent late
   * (a slow machine) would otherwise reach HubSpot less than an interval
   * before the next one, and six could land within its one-second window. */
  if (state->search)
    CONCORD_CONNECTOR_HUBSPOT (g_task_get_source_object (task))->last_search_us =
      g_get_monotonic_time ();

  if (page == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, page, (GDestroyNotify) concord_page_free);
  g_object_unref (task);
}

static void
list_now (GTask *task)
{
  ConcordConnectorHubspot *self = g_task_get_source_object (task);
  ListState *state = g_task_get_task_data (task);

  if (state->search)
    self->last_search_us = g_get_monotonic_time ();
  CONCORD_CONNECTOR_CLASS (_concord_hubspot_parent_class ())->list_async (
    CONCORD_CONNECTOR (self), state->contact_type, state->cursor, state->page_token,
    g_task_get_cancellable (task), on_paced_list_cb, task);
}

static gboolean
on_list_delay_cb (gpointer user_data)
{
  list_now (user_data);
  return G_SOURCE_REMOVE;
}

/* A page of the base's listing; a search page no sooner than
 * SEARCH_INTERVAL_US after the one before it. */
void
concord_connector_hubspot_list_async (ConcordConnector    *connector,
                                      const char          *contact_type,
                                      const char          *cursor,
                                      const char          *page_token,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordConnectorHubspot *self = CONCORD_CONNECTOR_HUBSPOT (connector);
  GTask *task = concord_connector_task_new (connector, concord_connector_hubspot_list_async,
                                            cancellable, callback, user_data);
  ListState *state = g_new0 (ListState, 1);
  gint64 wait_us;

  state->contact_type = g_strdup (contact_type);
  state->cursor = g_strdup (cursor);
  state->page_token = g_strdup (page_token);
  state->search = page_token != NULL ? g_str_has_prefix (page_token, "s:") : cursor != NULL;
  g_task_set_task_data (task, state, (GDestroyNotify) list_state_free);

  wait_us = self->last_search_us + SEARCH_INTERVAL_US - g_get_monotonic_time ();
  if (!state->search || self->last_search_us == 0 || wait_us <= 0)
    {
      list_now (task);
      return;
    }

  {
    g_autoptr(GSource) source = g_timeout_source_new ((guint) (wait_us / 1000) + 1);

    g_source_set_callback (source, on_list_delay_cb, task, NULL);
    g_source_attach (source, g_main_context_get_thread_default ());
  }
}
