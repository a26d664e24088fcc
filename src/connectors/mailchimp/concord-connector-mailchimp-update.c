/* concord-connector-mailchimp-update.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Updating Mailchimp members (see concord-connector-mailchimp.c): the
 * steps of an update, their status, merge field and tag requests.
 */

#define G_LOG_DOMAIN "concord-connector-mailchimp"

#include "config.h"

#include <string.h>
#include "concord-connector-mailchimp.h"
#include "concord-connector-mailchimp-private.h"
#include "concord-error.h"
#include "concord-json-private.h"
#include "concord-rest-connector.h"

/* Updates ---------------------------------------------------------------- */

typedef enum
{
  STEP_START,
  STEP_READ,
  STEP_TAGS,
  STEP_PATCH,
  STEP_ECHO,
} UpdateStep;

typedef struct
{
  char *current_status;   /* (owned) (nullable): the member's, as read */
  char **current_tags;    /* (owned) (nullable) */
} UpdateData;

static void
update_data_free (gpointer data)
{
  UpdateData *state = data;

  g_free (state->current_status);
  g_strfreev (state->current_tags);
  g_free (state);
}

gboolean
_concord_mailchimp_changes (const ConcordRecordChange *change,
                            const char                *key)
{
  return (change->set != NULL && concord_record_get (change->set, key) != NULL) ||
         _concord_mailchimp_clears ((const char * const *) change->clear, key);
}

char *
_concord_mailchimp_member_path (const char *list_id,
                                const char *hash,
                                const char *tail)
{
  return g_strdup_printf ("/lists/%s/members/%s%s", list_id, hash, tail != NULL ? tail : "");
}

/* The status to send to an existing member for canonical @wanted, or NULL
 * with @reason when it must not be sent. */
static const char *
status_for_existing (const char  *wanted,
                     const char  *current,
                     char       **reason)
{
  const char *api = concord_connector_mailchimp_status_for_new (wanted);

  *reason = NULL;
  if (g_strcmp0 (api, "subscribed") == 0)
    {
      *reason = g_strdup ("Concord never subscribes an existing Mailchimp member: people "
                          "subscribe through Mailchimp's own forms");
      return NULL;
    }
  if (g_strcmp0 (wanted, "inactive") == 0 || g_strcmp0 (wanted, "stale") == 0)
    {
      *reason = g_strdup ("Mailchimp archives a member only when it is deleted");
      return NULL;
    }
  if (_concord_mailchimp_is_suppressed_api (current) && g_strcmp0 (api, "unsubscribed") != 0)
    {
      *reason = g_strdup_printf ("The member is %s in Mailchimp, which is never undone",
                                 current);
      return NULL;
    }
  if (g_strcmp0 (api, current) == 0 ||
      (g_strcmp0 (current, "cleaned") == 0 && g_strcmp0 (api, "unsubscribed") == 0))
    return NULL;
  return api;
}

static ConcordHttpRequest *
tags_request (ConcordConnectorMailchimp *self,
              ConcordRestUpdate         *update)
{
  UpdateData *state = update->data;
  const ConcordValue *tags = update->change->set != NULL
                             ? concord_record_get (update->change->set, CONCORD_FIELD_TAGS) : NULL;
  const char * const *wanted = tags != NULL && tags->type == CONCORD_FIELD_TYPE_STRING_SET
                               ? (const char * const *) tags->v.set : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *hash = g_strdup (update->change->remote_id);
  g_autofree char *path = _concord_mailchimp_member_path (self->list_id, hash, "/tags");
  guint n = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    if (state->current_tags == NULL || !g_strv_contains ((const char * const *) state->current_tags,
                                                         wanted[i]))
      {
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "name");
        json_builder_add_string_value (builder, wanted[i]);
        json_builder_set_member_name (builder, "status");
        json_builder_add_string_value (builder, "active");
        json_builder_end_object (builder);
        n++;
      }
  for (guint i = 0; state->current_tags != NULL && state->current_tags[i] != NULL; i++)
    if (wanted == NULL || !g_strv_contains (wanted, state->current_tags[i]))
      {
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "name");
        json_builder_add_string_value (builder, state->current_tags[i]);
        json_builder_set_member_name (builder, "status");
        json_builder_add_string_value (builder, "inactive");
        json_builder_end_object (builder);
        n++;
      }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "is_syncing");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  if (n == 0)
    return NULL;
  body = json_builder_get_root (builder);
  update->step = STEP_TAGS;
  return _concord_mailchimp_new_request ("POST", path, "POST /lists/{id}/members/{hash}/tags", body);
}

/* The PATCH of the change's member fields, or a GET for the echo when it
 * has none to send. */
static ConcordHttpRequest *
patch_request (ConcordConnectorMailchimp *self,
               ConcordRestUpdate         *update)
{
  const ConcordRecordChange *change = update->change;
  const char * const *clear = (const char * const *) change->clear;
  UpdateData *state = update->data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = _concord_mailchimp_member_path (self->list_id, change->remote_id,
                                                          "?skip_merge_validation=true");
  const char *email = change->set != NULL ? concord_record_get_text (change->set,
                                                                     CONCORD_FIELD_EMAIL)
                                          : NULL;
  const char *wanted = change->set != NULL ? concord_record_get_text (change->set,
                                                                      CONCORD_FIELD_STATUS)
                                           : NULL;
  gboolean any = FALSE;

  json_builder_begin_object (builder);
  if (email != NULL && *email != '\0')
    {
      g_autofree char *hash = concord_connector_mailchimp_subscriber_hash (email);

      /* Another address is another member id: the binding would point at
       * nothing. Only its case may change here. */
      if (g_strcmp0 (hash, change->remote_id) != 0)
        _concord_mailchimp_refuse (refused, CONCORD_FIELD_EMAIL,
                                   g_strdup ("Mailchimp makes a member of a new address a new member; change the "
                                             "address in Mailchimp"));
      else
        {
          json_builder_set_member_name (builder, "email_address");
          json_builder_add_string_value (builder, email);
          any = TRUE;
        }
    }
  else if (_concord_mailchimp_clears (clear, CONCORD_FIELD_EMAIL) || (email != NULL && *email == '\0'))
    _concord_mailchimp_refuse (refused, CONCORD_FIELD_EMAIL, g_strdup ("Mailchimp needs an email address for "
                                                                       "every member"));

  if (wanted != NULL)
    {
      char *reason = NULL;
      const char *api = status_for_existing (wanted, state != NULL ? state->current_status : NULL,
                                             &reason);

      if (reason != NULL)
        _concord_mailchimp_refuse (refused, CONCORD_FIELD_STATUS, reason);
      else if (api != NULL)
        {
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, api);
          any = TRUE;
        }
    }
  else if (_concord_mailchimp_clears (clear, CONCORD_FIELD_STATUS))
    _concord_mailchimp_refuse (refused, CONCORD_FIELD_STATUS, g_strdup ("Every Mailchimp member has a status"));

  any |= _concord_mailchimp_add_merge_fields (self, builder, change->set, clear, refused);
  json_builder_end_object (builder);

  for (guint i = 0; i + 1 < refused->len; i += 2)
    concord_rest_update_refuse (update, g_ptr_array_index (refused, i),
                                g_strdup (g_ptr_array_index (refused, i + 1)));

  if (!any)
    {
      g_autofree char *echo = _concord_mailchimp_member_path (self->list_id, change->remote_id, NULL);

      update->step = STEP_ECHO;
      return _concord_mailchimp_new_request ("GET", echo, "GET /lists/{id}/members/{hash}", NULL);
    }
  body = json_builder_get_root (builder);
  update->step = STEP_PATCH;
  return _concord_mailchimp_new_request ("PATCH", path, "PATCH /lists/{id}/members/{hash}", body);
}

ConcordHttpRequest *
concord_connector_mailchimp_update_step (ConcordRestConnector  *connector,
                                         ConcordRestUpdate     *update,
                                         JsonNode              *answer,
                                         GError               **error)
{
  ConcordConnectorMailchimp *self = CONCORD_CONNECTOR_MAILCHIMP (connector);
  const ConcordRecordChange *change = update->change;
  ConcordHttpRequest *request;

  if (update->failure != NULL)
    return NULL;

  switch ((UpdateStep) update->step)
    {
    case STEP_START:
      if (!_concord_mailchimp_is_hash (change->remote_id))
        {
          g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                               "PATCH /lists/{id}/members/{hash}: not a Mailchimp subscriber "
                               "hash");
          return NULL;
        }
      update->data = g_new0 (UpdateData, 1);
      update->data_free = update_data_free;
      /* Status and tags are written against what the member has now. */
      if (_concord_mailchimp_changes (change, CONCORD_FIELD_STATUS) || _concord_mailchimp_changes (change, CONCORD_FIELD_TAGS))
        {
          g_autofree char *path = _concord_mailchimp_member_path (self->list_id, change->remote_id, NULL);

          update->step = STEP_READ;
          return _concord_mailchimp_new_request ("GET", path, "GET /lists/{id}/members/{hash}", NULL);
        }
      return patch_request (self, update);

    case STEP_READ:
      {
        JsonObject *member = _concord_mailchimp_root_object (answer);
        UpdateData *state = update->data;
        JsonNode *tags;

        if (member == NULL || !json_object_has_member (member, "email_address"))
          {
            g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_NOT_FOUND,
                                 "GET /lists/{id}/members/{hash}: the member is gone");
            return NULL;
          }
        state->current_status = _concord_mailchimp_member_text (member, "status");
        tags = json_object_get_member (member, "tags");
        if (tags != NULL && JSON_NODE_HOLDS_ARRAY (tags))
          {
            g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
            JsonArray *array = json_node_get_array (tags);

            for (guint i = 0; i < json_array_get_length (array) && i < MAX_TAGS; i++)
              {
                JsonNode *node = json_array_get_element (array, i);
                char *name = JSON_NODE_HOLDS_OBJECT (node)
                             ? _concord_mailchimp_member_text (json_node_get_object (node), "name") : NULL;

                if (name != NULL)
                  g_ptr_array_add (names, name);
              }
            g_ptr_array_add (names, NULL);
            state->current_tags = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
          }
        if (_concord_mailchimp_changes (change, CONCORD_FIELD_TAGS) && (request = tags_request (self, update)) != NULL)
          return request;
        return patch_request (self, update);
      }

    case STEP_TAGS:
      return patch_request (self, update);

    case STEP_PATCH:
    case STEP_ECHO:
    default:
      return NULL;
    }
}
