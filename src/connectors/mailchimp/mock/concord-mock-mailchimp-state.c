/* concord-mock-mailchimp-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The simulated Mailchimp's account data (see concord-mock-mailchimp.c):
 * audiences, merge fields and members with their helpers (the caller
 * holds the mutex), and the checks and application of a member's body.
 */

#define G_LOG_DOMAIN "concord-mock-mailchimp"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include "concord-mock-mailchimp.h"
#include "concord-mock-mailchimp-private.h"

static const char *writable_statuses[] = { "subscribed", "unsubscribed", "pending",
                                           "transactional", NULL };

/* ------------------------------------------------------------------------- */
/* Data helpers (caller holds the mutex)                                     */
/* ------------------------------------------------------------------------- */

void
_concord_mock_mailchimp_mfield_free (ConcordMockMailchimpMergeField *field)
{
  g_free (field->tag);
  g_free (field->name);
  g_free (field->type);
  g_strfreev (field->choices);
  g_free (field);
}

void
_concord_mock_mailchimp_list_free (ConcordMockMailchimpList *list)
{
  g_free (list->id);
  g_free (list->name);
  g_hash_table_unref (list->by_hash);
  g_ptr_array_unref (list->members);
  g_ptr_array_unref (list->fields);
  g_free (list);
}

char *
_concord_mock_mailchimp_hash_of (const char *email)
{
  g_autofree char *lower = g_ascii_strdown (email != NULL ? email : "", -1);

  g_strstrip (lower);
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, lower, -1);
}

ConcordMockMailchimpList *
_concord_mock_mailchimp_find_list (ConcordMockMailchimp *self,
                                   const char           *id)
{
  for (guint i = 0; id != NULL && i < self->lists->len; i++)
    if (g_str_equal (((ConcordMockMailchimpList *) g_ptr_array_index (self->lists, i))->id, id))
      return g_ptr_array_index (self->lists, i);
  return NULL;
}

ConcordMockMailchimpMergeField *
_concord_mock_mailchimp_find_field (ConcordMockMailchimpList *list,
                                    const char               *tag)
{
  for (guint i = 0; i < list->fields->len; i++)
    if (g_ascii_strcasecmp (((ConcordMockMailchimpMergeField *) g_ptr_array_index (list->fields, i))->tag, tag) == 0)
      return g_ptr_array_index (list->fields, i);
  return NULL;
}

/* Now as last_changed: never before the last one given. */
char *
_concord_mock_mailchimp_next_time (ConcordMockMailchimp *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GDateTime) when = NULL;

  self->clock = MAX (now, self->clock);
  when = g_date_time_new_from_unix_utc (self->clock);
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%S+00:00");
}

gint64
_concord_mock_mailchimp_parse_time (const char *text)
{
  g_autoptr(GDateTime) when = NULL;

  if (text == NULL)
    return -1;
  when = g_date_time_new_from_iso8601 (text, g_time_zone_new_utc ());
  return when != NULL ? g_date_time_to_unix (when) : -1;
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = email != NULL ? strchr (email, '@') : NULL;

  return at != NULL && at > email && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && email[strlen (email) - 1] != '.' &&
         strpbrk (email, " \t\r\n,;<>") == NULL && g_utf8_validate (email, -1, NULL);
}

/* Mailchimp refuses addresses it thinks fake: here, those at .invalid. */
static gboolean
email_is_fake (const char *email)
{
  return !email_is_valid (email) || g_str_has_suffix (email, ".invalid");
}

JsonObject *
_concord_mock_mailchimp_new_member (ConcordMockMailchimp     *self,
                                    ConcordMockMailchimpList *list,
                                    const char               *email)
{
  JsonObject *member = json_object_new ();
  g_autofree char *hash = _concord_mock_mailchimp_hash_of (email);
  g_autofree char *now = _concord_mock_mailchimp_next_time (self);
  g_autofree char *unique = g_strndup (hash + 8, 10);
  JsonObject *merge = json_object_new ();

  json_object_set_string_member (member, "id", hash);
  json_object_set_string_member (member, "email_address", email);
  json_object_set_string_member (member, "unique_email_id", unique);
  json_object_set_string_member (member, "email_type", "html");
  json_object_set_string_member (member, "status", "subscribed");
  for (guint i = 0; i < list->fields->len; i++)
    json_object_set_string_member (merge, ((ConcordMockMailchimpMergeField *) g_ptr_array_index (list->fields, i))->tag,
                                   "");
  json_object_set_object_member (member, "merge_fields", merge);
  json_object_set_array_member (member, "tags", json_array_new ());
  json_object_set_int_member (member, "tags_count", 0);
  json_object_set_string_member (member, "timestamp_signup", now);
  json_object_set_string_member (member, "timestamp_opt", now);
  json_object_set_string_member (member, "last_changed", now);
  json_object_set_string_member (member, "list_id", list->id);

  g_ptr_array_add (list->members, member);
  g_hash_table_replace (list->by_hash, g_strdup (hash), member);
  return member;
}

/* A merge field's value: NULL if valid, else why not. */
static char *
check_merge_value (ConcordMockMailchimpMergeField *field,
                   JsonNode                       *value)
{
  if (JSON_NODE_HOLDS_OBJECT (value))
    return g_strcmp0 (field->type, "address") == 0
           ? NULL : g_strdup_printf ("%s: an object is not a %s value", field->tag, field->type);
  if (!JSON_NODE_HOLDS_VALUE (value))
    return g_strdup_printf ("%s: not a value", field->tag);

  if (g_strcmp0 (field->type, "number") == 0)
    {
      GType type = json_node_get_value_type (value);

      if (type == G_TYPE_DOUBLE || type == G_TYPE_INT64)
        return NULL;
      if (type == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (value);
          char *end = NULL;

          if (*text == '\0')
            return NULL;
          g_ascii_strtod (text, &end);
          if (*end == '\0')
            return NULL;
        }
      return g_strdup_printf ("%s: Please enter a number", field->tag);
    }

  if (json_node_get_value_type (value) != G_TYPE_STRING)
    return g_strdup_printf ("%s: Please enter a text value", field->tag);

  if (g_strcmp0 (field->type, "date") == 0)
    {
      const char *text = json_node_get_string (value);
      g_autofree char *midnight = g_strdup_printf ("%sT00:00:00Z", text);

      if (*text != '\0' && _concord_mock_mailchimp_parse_time (midnight) < 0)
        return g_strdup_printf ("%s: Please enter the date", field->tag);
    }
  if ((g_strcmp0 (field->type, "dropdown") == 0 || g_strcmp0 (field->type, "radio") == 0) &&
      *json_node_get_string (value) != '\0' &&
      (field->choices == NULL ||
       !g_strv_contains ((const char * const *) field->choices, json_node_get_string (value))))
    return g_strdup_printf ("%s: the value must be one of the choices", field->tag);
  return NULL;
}

/* A member body (PUT, PATCH, POST or a batch's member): NULL if valid,
 * else the detail of the 400. @field is set to the offending member. */
char *
_concord_mock_mailchimp_check_body (ConcordMockMailchimpList  *list,
                                    JsonObject                *body,
                                    JsonObject                *existing,
                                    const char               **field)
{
  JsonNode *node;
  const char *status = NULL;

  *field = NULL;
  node = json_object_get_member (body, "email_address");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          *field = "email_address";
          return g_strdup ("email_address must be a string");
        }
      if (email_is_fake (json_node_get_string (node)))
        {
          *field = "email_address";
          return g_strdup_printf ("%s looks fake or invalid, please enter a real email address.",
                                  json_node_get_string (node));
        }
    }

  node = json_object_get_member (body, "status");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    status = json_node_get_string (node);
  if (node != NULL && (status == NULL || !g_strv_contains (writable_statuses, status)))
    {
      *field = "status";
      return g_strdup ("The status must be subscribed, unsubscribed, pending or transactional");
    }
  node = json_object_get_member (body, "status_if_new");
  if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                       json_node_get_value_type (node) != G_TYPE_STRING ||
                       !g_strv_contains (writable_statuses, json_node_get_string (node))))
    {
      *field = "status_if_new";
      return g_strdup ("The status_if_new must be subscribed, unsubscribed, pending or "
                       "transactional");
    }

  node = json_object_get_member (body, "merge_fields");
  if (node != NULL)
    {
      JsonObjectIter iter;
      const char *tag;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          *field = "merge_fields";
          return g_strdup ("merge_fields must be an object");
        }
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &tag, &value))
        {
          ConcordMockMailchimpMergeField *merge = _concord_mock_mailchimp_find_field (list, tag);
          char *problem;

          if (merge == NULL)
            continue;
          if ((problem = check_merge_value (merge, value)) != NULL)
            {
              *field = "merge_fields";
              return problem;
            }
        }
    }

  node = json_object_get_member (body, "tags");
  if (node != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    {
      *field = "tags";
      return g_strdup ("tags must be an array");
    }
  return NULL;
}

/* A new member's body without a required merge field: its tag, or NULL
 * (unless the write skips merge validation). */
const char *
_concord_mock_mailchimp_missing_required (ConcordMockMailchimpList *list,
                                          JsonObject               *body,
                                          gboolean                  skip)
{
  JsonObject *merge = json_object_has_member (body, "merge_fields") &&
                      JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "merge_fields"))
                      ? json_object_get_object_member (body, "merge_fields") : NULL;

  for (guint i = 0; !skip && i < list->fields->len; i++)
    {
      ConcordMockMailchimpMergeField *field = g_ptr_array_index (list->fields, i);
      JsonNode *value = merge != NULL ? json_object_get_member (merge, field->tag) : NULL;

      if (field->required &&
          (value == NULL || JSON_NODE_HOLDS_NULL (value) ||
           (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
            *json_node_get_string (value) == '\0')))
        return field->tag;
    }
  return NULL;
}

void
_concord_mock_mailchimp_set_tags (JsonObject *member,
                                  JsonArray  *names,
                                  gboolean    add)
{
  JsonArray *tags = json_object_get_array_member (member, "tags");
  g_autoptr(JsonArray) kept = json_array_new ();

  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      JsonNode *item = json_array_get_element (names, i);
      const char *name = NULL;
      gboolean active = TRUE;
      gboolean found = FALSE;

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        name = json_node_get_string (item);
      else if (JSON_NODE_HOLDS_OBJECT (item))
        {
          JsonObject *object = json_node_get_object (item);

          name = json_object_get_string_member_with_default (object, "name", NULL);
          active = g_strcmp0 (json_object_get_string_member_with_default (object, "status",
                                                                          "active"),
                              "inactive") != 0;
        }
      if (name == NULL || *name == '\0')
        continue;

      for (guint j = 0; j < json_array_get_length (tags); j++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (tags, j),
                                                        "name"), name))
          {
            found = TRUE;
            if (!active)
              json_array_remove_element (tags, j);
            break;
          }
      if (!found && active)
        {
          JsonObject *tag = json_object_new ();

          json_object_set_int_member (tag, "id", (gint64) (g_str_hash (name) & 0xffffff));
          json_object_set_string_member (tag, "name", name);
          json_array_add_object_element (tags, tag);
        }
    }
  json_object_set_int_member (member, "tags_count", json_array_get_length (tags));
}

/* Applies a checked body; @is_new: status_if_new applies. */
void
_concord_mock_mailchimp_apply_body (ConcordMockMailchimp     *self,
                                    ConcordMockMailchimpList *list,
                                    JsonObject               *member,
                                    JsonObject               *body,
                                    gboolean                  is_new)
{
  JsonNode *node;
  g_autofree char *now = _concord_mock_mailchimp_next_time (self);

  if (is_new && json_object_has_member (body, "status_if_new"))
    json_object_set_string_member (member, "status",
                                   json_object_get_string_member (body, "status_if_new"));
  if (json_object_has_member (body, "status"))
    json_object_set_string_member (member, "status", json_object_get_string_member (body, "status"));

  node = json_object_get_member (body, "email_address");
  if (node != NULL && !is_new)
    {
      const char *email = json_node_get_string (node);
      g_autofree char *old = g_strdup (json_object_get_string_member (member, "id"));
      g_autofree char *hash = _concord_mock_mailchimp_hash_of (email);

      /* A new address is a new hash. */
      json_object_set_string_member (member, "email_address", email);
      json_object_set_string_member (member, "id", hash);
      g_hash_table_remove (list->by_hash, old);
      g_hash_table_replace (list->by_hash, g_strdup (hash), member);
    }

  node = json_object_get_member (body, "merge_fields");
  if (node != NULL)
    {
      JsonObject *merge = json_object_get_object_member (member, "merge_fields");
      JsonObjectIter iter;
      const char *tag;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &tag, &value))
        {
          ConcordMockMailchimpMergeField *field = _concord_mock_mailchimp_find_field (list, tag);

          if (field != NULL)
            json_object_set_member (merge, field->tag, json_node_copy (value));
        }
    }

  node = json_object_get_member (body, "tags");
  if (node != NULL && is_new)
    _concord_mock_mailchimp_set_tags (member, json_node_get_array (node), TRUE);

  json_object_set_string_member (member, "last_changed", now);
}
