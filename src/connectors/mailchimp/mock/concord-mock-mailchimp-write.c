/* concord-mock-mailchimp-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writes to the simulated Mailchimp (see concord-mock-mailchimp.c): one
 * member's PUT, PATCH or POST, the synchronous batch subscribe, and tags.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-mailchimp.h"
#include "concord-mock-mailchimp-private.h"

/* The checks of a POST or PUT: the address, its hash, whether the member
 * exists (@member: set to it, or NULL) and the status it needs; FALSE
 * (answered) when one fails. */
static gboolean
check_put_or_post (ConcordMockRequest        *request,
                   ConcordMockMailchimpList  *list,
                   JsonObject                *body,
                   const char                *email,
                   const char                *hash,
                   const char                *method,
                   JsonObject               **member)
{
  g_autofree char *expected = NULL;

  if (email == NULL)
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The resource submitted could not be validated.", "email_address");
      return FALSE;
    }
  expected = _concord_mock_mailchimp_hash_of (email);
  if (g_str_equal (method, "PUT") && g_strcmp0 (expected, hash) != 0)
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The subscriber hash is not the hash of the email address.",
                                               "email_address");
      return FALSE;
    }
  *member = g_hash_table_lookup (list->by_hash, expected);
  if (g_str_equal (method, "POST") && *member != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("%s is already a list member. Use PUT to "
                                                 "insert or update list members.", email);

      _concord_mock_mailchimp_respond_problem (request, 400, "Member Exists", detail, NULL);
      return FALSE;
    }
  if (*member == NULL && g_str_equal (method, "PUT") &&
      !json_object_has_member (body, "status_if_new") && !json_object_has_member (body, "status"))
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The resource submitted could not be validated.", "status_if_new");
      return FALSE;
    }
  if (*member == NULL && g_str_equal (method, "POST") && !json_object_has_member (body, "status"))
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The resource submitted could not be validated.", "status");
      return FALSE;
    }

  return TRUE;
}

/* PUT (upsert), PATCH, POST of one member. */
void
_concord_mock_mailchimp_write_member (ConcordMockMailchimp     *self,
                                      ConcordMockRequest       *request,
                                      ConcordMockMailchimpList *list,
                                      const char               *hash,
                                      const char               *method)
{
  g_autoptr(JsonObject) body = _concord_mock_mailchimp_request_body (request);
  g_autofree char *problem = NULL;
  JsonObject *member = hash != NULL ? g_hash_table_lookup (list->by_hash, hash) : NULL;
  const char *email;
  const char *field = NULL;
  const char *wanted;
  g_autofree char *new_hash = NULL;
  gboolean is_new;

  if (body == NULL)
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "JSON Parse Error",
                                               "We encountered an unspecified JSON parsing error.", NULL);
      return;
    }
  if ((problem = _concord_mock_mailchimp_check_body (list, body, member, &field)) != NULL)
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource", problem, field);
      return;
    }
  email = json_object_get_string_member_with_default (body, "email_address", NULL);

  if (g_str_equal (method, "PATCH") && member == NULL)
    {
      _concord_mock_mailchimp_respond_problem (request, 404, "Resource Not Found",
                                               "The requested resource could not be found.", NULL);
      return;
    }
  if ((g_str_equal (method, "POST") || g_str_equal (method, "PUT")) &&
      !check_put_or_post (request, list, body, email, hash, method, &member))
    return;

  is_new = member == NULL;
  if (is_new && (field = _concord_mock_mailchimp_missing_required (list, body,
                                                                   g_strcmp0 (concord_mock_request_get_query_param (
                                                                                request, "skip_merge_validation"),
                                                                              "true") == 0)) != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("Your merge fields were invalid. %s is required.",
                                                 field);

      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource", detail, field);
      return;
    }
  wanted = json_object_get_string_member_with_default (body, "status", NULL);
  if (!is_new && wanted != NULL && g_str_equal (wanted, "subscribed") &&
      (g_strcmp0 (json_object_get_string_member (member, "status"), "unsubscribed") == 0 ||
       g_strcmp0 (json_object_get_string_member (member, "status"), "cleaned") == 0))
    {
      g_autofree char *detail = g_strdup_printf ("%s is in a compliance state due to "
                                                 "unsubscribe, bounce, or compliance review and "
                                                 "cannot be subscribed.",
                                                 json_object_get_string_member (member,
                                                                                "email_address"));

      _concord_mock_mailchimp_respond_problem (request, 400, "Member In Compliance State", detail, NULL);
      return;
    }
  if (!is_new && email != NULL && g_strcmp0 (json_object_get_string_member (member, "id"),
                                              (new_hash = _concord_mock_mailchimp_hash_of (email))) != 0 &&
      g_hash_table_contains (list->by_hash, new_hash))
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Member Exists",
                                               "Another member of the list has that address.", NULL);
      return;
    }

  if (is_new)
    member = _concord_mock_mailchimp_new_member (self, list, email);
  _concord_mock_mailchimp_apply_body (self, list, member, body, is_new);
  _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, json_object_ref (member));
}

static JsonObject *
batch_error (const char *email,
             const char *error,
             const char *code,
             const char *field)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "email_address", email != NULL ? email : "");
  json_object_set_string_member (item, "error", error);
  json_object_set_string_member (item, "error_code", code);
  json_object_set_string_member (item, "field", field != NULL ? field : "");
  json_object_set_string_member (item, "field_message", "");
  return item;
}

/* One member of a batch subscribe: created or updated (into @created or
 * @updated), or why not (into @errors). */
static void
subscribe_one (ConcordMockMailchimp     *self,
               ConcordMockMailchimpList *list,
               JsonNode                 *node,
               GHashTable               *seen,
               gboolean                  update_existing,
               gboolean                  skip_merge,
               JsonArray                *created,
               JsonArray                *updated,
               JsonArray                *errors)
{
  JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *email = item != NULL
                      ? json_object_get_string_member_with_default (item, "email_address", NULL)
                      : NULL;
  g_autofree char *problem = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *lower = NULL;
  const char *field = NULL;
  const char *status;
  JsonObject *member;

  if (item == NULL || email == NULL)
    {
      json_array_add_object_element (errors, batch_error (NULL, "The email address is "
                                                          "required.", "ERROR_GENERIC",
                                                          "email_address"));
      return;
    }
  if ((problem = _concord_mock_mailchimp_check_body (list, item, NULL, &field)) != NULL)
    {
      json_array_add_object_element (errors, batch_error (email, problem, "ERROR_GENERIC",
                                                          field));
      return;
    }
  status = json_object_get_string_member_with_default (item, "status", NULL);
  if (status == NULL)
    {
      json_array_add_object_element (errors, batch_error (email, "The status is required.",
                                                          "ERROR_GENERIC", "status"));
      return;
    }
  lower = g_ascii_strdown (email, -1);
  if (!g_hash_table_add (seen, g_strdup (lower)))
    {
      json_array_add_object_element (errors, batch_error (email, "This email address is "
                                                          "already in this batch.",
                                                          "ERROR_GENERIC", "email_address"));
      return;
    }

  hash = _concord_mock_mailchimp_hash_of (email);
  member = g_hash_table_lookup (list->by_hash, hash);
  if (member != NULL && !update_existing)
    {
      g_autofree char *text = g_strdup_printf ("%s is already a list member, do you want to "
                                               "update? please provide update_existing:true "
                                               "in the request body", email);

      json_array_add_object_element (errors, batch_error (email, text, "ERROR_CONTACT_EXISTS",
                                                          "email_address"));
      return;
    }
  if (member != NULL && g_str_equal (status, "subscribed") &&
      (g_strcmp0 (json_object_get_string_member (member, "status"), "unsubscribed") == 0 ||
       g_strcmp0 (json_object_get_string_member (member, "status"), "cleaned") == 0))
    {
      json_array_add_object_element (errors, batch_error (email, "Member In Compliance State",
                                                          "ERROR_GENERIC", "status"));
      return;
    }
  if (member == NULL && (field = _concord_mock_mailchimp_missing_required (list, item, skip_merge)) != NULL)
    {
      g_autofree char *text = g_strdup_printf ("Your merge fields were invalid. %s is "
                                               "required.", field);

      json_array_add_object_element (errors, batch_error (email, text, "ERROR_GENERIC",
                                                          field));
      return;
    }
  if (member == NULL)
    {
      member = _concord_mock_mailchimp_new_member (self, list, email);
      _concord_mock_mailchimp_apply_body (self, list, member, item, TRUE);
      json_array_add_object_element (created, json_object_ref (member));
    }
  else
    {
      _concord_mock_mailchimp_apply_body (self, list, member, item, FALSE);
      json_array_add_object_element (updated, json_object_ref (member));
    }
}

/* POST /lists/{id}: the synchronous batch subscribe. */
void
_concord_mock_mailchimp_batch_subscribe (ConcordMockMailchimp     *self,
                                         ConcordMockRequest       *request,
                                         ConcordMockMailchimpList *list,
                                         guint                     max_items)
{
  g_autoptr(JsonObject) body = _concord_mock_mailchimp_request_body (request);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *answer;
  JsonArray *created, *updated, *errors;
  JsonArray *members;
  gboolean update_existing;
  gboolean skip_merge;

  if (body == NULL || !json_object_has_member (body, "members") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "members")))
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The resource submitted could not be validated.", "members");
      return;
    }
  members = json_object_get_array_member (body, "members");
  if (max_items > 0 && json_array_get_length (members) > max_items)
    {
      _concord_mock_mailchimp_respond_problem (request, 413, "Request Too Large", "The request is too large.", NULL);
      return;
    }
  if (json_array_get_length (members) > MAX_BATCH)
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "members: Cannot exceed 500 items per batch.", "members");
      return;
    }
  update_existing = json_object_get_boolean_member_with_default (body, "update_existing", FALSE);
  skip_merge = json_object_get_boolean_member_with_default (body, "skip_merge_validation", FALSE);

  answer = json_object_new ();
  created = json_array_new ();
  updated = json_array_new ();
  errors = json_array_new ();

  for (guint i = 0; i < json_array_get_length (members); i++)
    subscribe_one (self, list, json_array_get_element (members, i), seen, update_existing,
                   skip_merge, created, updated, errors);

  json_object_set_int_member (answer, "total_created", json_array_get_length (created));
  json_object_set_int_member (answer, "total_updated", json_array_get_length (updated));
  json_object_set_int_member (answer, "error_count", json_array_get_length (errors));
  json_object_set_array_member (answer, "new_members", created);
  json_object_set_array_member (answer, "updated_members", updated);
  json_object_set_array_member (answer, "errors", errors);
  _concord_mock_mailchimp_respond_object (request, SOUP_STATUS_OK, answer);
}

void
_concord_mock_mailchimp_write_tags (ConcordMockMailchimp *self,
                                    ConcordMockRequest   *request,
                                    JsonObject           *member)
{
  g_autoptr(JsonObject) body = _concord_mock_mailchimp_request_body (request);
  g_autofree char *now = NULL;

  if (body == NULL || !json_object_has_member (body, "tags") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "tags")))
    {
      _concord_mock_mailchimp_respond_problem (request, 400, "Invalid Resource",
                                               "The resource submitted could not be validated.", "tags");
      return;
    }
  _concord_mock_mailchimp_set_tags (member, json_object_get_array_member (body, "tags"), TRUE);
  now = _concord_mock_mailchimp_next_time (self);
  json_object_set_string_member (member, "last_changed", now);
  concord_mock_request_respond (request, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}
