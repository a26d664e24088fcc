/* concord-connector-gnome-contacts-write.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Writing to GNOME Contacts (see concord-connector-gnome-contacts.c):
 * creates, updates and deletes, each call's contacts in one call to the
 * book, and the read back of what was written.
 */

#define G_LOG_DOMAIN "concord-connector-gnome-contacts"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
/* libedataserver's headers still name GTimeVal (e-flag.h); nothing here
 * uses it. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

#include "concord-connector-gnome-contacts.h"
#include "concord-error.h"
#include "concord-vcard.h"
#include "concord-write-batch.h"
#include "concord-connector-gnome-contacts-private.h"

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

/* One record of a write batch on its way: create → read back, or
 * read → modify → read back, or remove. */
typedef struct
{
  GTask             *task;     /* (owned) */
  ConcordWriteBatch *batch;    /* (unowned) held once per step in flight */
  ConcordGnomeContactsBook              *book;     /* (unowned) */
  EBookClient       *client;   /* (owned) the book's, even if its backend dies meanwhile */
  guint              index;
  char              *uid;      /* (owned) (nullable) the contact */
  ConcordRecordChange *change; /* (unowned) (nullable) for an update */
  gpointer           group;    /* (unowned) (nullable) the update's UpdateBatch */
  gboolean           writing;  /* counted in book->writing */
} Step;

static Step *
step_new (GTask             *task,
          ConcordWriteBatch *batch,
          guint              index,
          const char        *uid)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  Step *step = g_new0 (Step, 1);

  step->task = g_object_ref (task);
  step->batch = batch;
  step->book = call->book;
  step->client = g_object_ref (call->book->client);
  step->index = index;
  step->uid = g_strdup (uid);
  concord_write_batch_hold (batch);
  return step;
}

/* The end of a record's way: releases the batch, which returns the task
 * when this was its last record. */
static void
step_done (Step *step)
{
  GTask *done;

  if (step->writing)
    _concord_gnome_contacts_book_end_write (step->book, step->uid);
  done = concord_write_batch_release (step->batch);
  g_clear_object (&done);
  g_object_unref (step->task);
  g_object_unref (step->client);
  g_free (step->uid);
  g_free (step);
}

static void
step_fail (Step   *step,
           GError *error)
{
  g_prefix_error (&error, "Contact %u: ", step->index);
  concord_write_batch_set_error (step->batch, step->index, error);
  g_error_free (error);
  step_done (step);
}

/* The last step of a create or an update: the contact as stored, which is
 * the echo the engine keeps and the REV that tells the view's echo. */
static void
on_step_read_back_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordGnomeContactsContactRef) contact = NULL;
  g_autoptr(ConcordRecord) record = NULL;

  if (!e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      step_fail (step, _concord_gnome_contacts_translate_error (error, "Reading a contact back"));
      return;
    }

  g_hash_table_insert (step->book->own_cards, g_strdup (step->uid),
                       e_vcard_to_string (E_VCARD (contact), EVC_FORMAT_VCARD_30));

  record = _concord_gnome_contacts_read_contact (step->book, contact, step->index, NULL);
  if (record == NULL)
    {
      step_fail (step, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                            "GNOME Contacts stored a card Concord cannot read"));
      return;
    }

  concord_write_batch_set_ok (step->batch, step->index, record);
  step_done (step);
}

static void
step_read_back (Step *step)
{
  e_book_client_get_contact (step->client, step->uid, g_task_get_cancellable (step->task),
                             on_step_read_back_cb, step);
}

/* ---- create ---- */

static void
on_contact_added_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uid = NULL;

  step->book->adding--;
  if (!e_book_client_add_contact_finish (E_BOOK_CLIENT (object), result, &uid, &error))
    {
      step_fail (step, _concord_gnome_contacts_translate_error (error, "Adding a contact"));
      return;
    }

  step->uid = g_steal_pointer (&uid);
  _concord_gnome_contacts_book_begin_write (step->book, step->uid);
  step->writing = TRUE;
  step_read_back (step);
}

/* The records of a create call that became cards, added in one call. */
typedef struct
{
  ConcordGnomeContactsBook      *book;       /* (unowned) */
  GPtrArray *steps;      /* (owned) Step (owned until handed on) */
  GSList    *contacts;   /* (owned) EContact, in the order of steps */
  GTask     *task;       /* (owned) */
} AddBatch;

static void
add_batch_free (AddBatch *add)
{
  g_ptr_array_unref (add->steps);
  g_slist_free_full (add->contacts, g_object_unref);
  g_object_unref (add->task);
  g_free (add);
}

/* One add for the whole batch: one D-Bus call and one transaction in EDS
 * (measured: 1,000 contacts in 5.7 s one by one). When EDS refuses the
 * batch, each contact is added on its own, so that one refused contact
 * fails alone. */
static void
on_contacts_added_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AddBatch *add = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uids = NULL;

  add->book->adding -= add->steps->len;
  if (e_book_client_add_contacts_finish (E_BOOK_CLIENT (object), result, &uids, &error) &&
      g_slist_length (uids) == add->steps->len)
    {
      GSList *l = uids;

      for (guint i = 0; i < add->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (add->steps, i);

          step->uid = g_strdup (l->data);
          _concord_gnome_contacts_book_begin_write (step->book, step->uid);
          step->writing = TRUE;
          step_read_back (step);
        }
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      for (guint i = 0; i < add->steps->len; i++)
        step_fail (g_ptr_array_index (add->steps, i),
                   _concord_gnome_contacts_translate_error (error, "Adding contacts"));
    }
  else
    {
      GSList *l = add->contacts;

      if (error != NULL)
        g_debug ("Adding %u contacts at once failed (%s); adding each", add->steps->len,
                 error->message);
      for (guint i = 0; i < add->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (add->steps, i);

          add->book->adding++;
          e_book_client_add_contact (step->client, l->data, E_BOOK_OPERATION_FLAG_NONE,
                                     g_task_get_cancellable (add->task), on_contact_added_cb,
                                     step);
        }
    }

  g_slist_free_full (uids, g_free);
  add_batch_free (add);
}

static void
create_contacts (GTask *task)
{
  ConcordConnectorGnomeContacts *self = g_task_get_source_object (task);
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  AddBatch *add = g_new0 (AddBatch, 1);
  GTask *done;

  add->book = call->book;
  add->steps = g_ptr_array_new ();
  add->task = g_object_ref (task);

  for (guint i = 0; i < call->inputs->len; i++)
    {
      const ConcordRecord *input = g_ptr_array_index (call->inputs, i);
      g_autoptr(ConcordVCard) card = concord_vcard_new (3, NULL);
      g_autofree char *text = NULL;
      GError *error = NULL;
      EContact *contact;
      Step *step = step_new (task, batch, i, NULL);

      if (!concord_vcard_apply (card, input, NULL, self->region, &error))
        {
          if (error == NULL)
            error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                         "The contact cannot be written as a vCard");
          step_fail (step, error);
          continue;
        }

      text = concord_vcard_to_string (card, NULL);
      contact = e_contact_new_from_vcard (text);
      /* EDS chooses the UID of a new contact. */
      e_contact_set (contact, E_CONTACT_UID, NULL);
      g_ptr_array_add (add->steps, step);
      add->contacts = g_slist_prepend (add->contacts, contact);
    }
  add->contacts = g_slist_reverse (add->contacts);

  if (add->steps->len > 0)
    {
      call->book->adding += add->steps->len;
      e_book_client_add_contacts (call->book->client, add->contacts, E_BOOK_OPERATION_FLAG_NONE,
                                  g_task_get_cancellable (task), on_contacts_added_cb, add);
    }
  else
    add_batch_free (add);

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

void
concord_connector_gnome_contacts_create_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GPtrArray           *records,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_create_async, contact_type, records,
                                      NULL, create_contacts, cancellable, callback, user_data);
}

/* ---- update ---- */

static void
on_contact_modified_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;

  if (!e_book_client_modify_contact_finish (E_BOOK_CLIENT (object), result, &error))
    {
      step_fail (step, _concord_gnome_contacts_translate_error (error, "Changing a contact"));
      return;
    }

  step_read_back (step);
}

/* The contact of @step as it is now (@result) with the change applied, or
 * NULL when the step failed (and is done). */
static EContact *
prepare_update (Step         *step,
                GObject      *object,
                GAsyncResult *result)
{
  ConcordConnectorGnomeContacts *self = step->book->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordGnomeContactsContactRef) contact = NULL;
  g_autoptr(ConcordVCard) card = NULL;
  g_autoptr(ConcordVCard) read = NULL;
  g_autofree char *text = NULL;
  g_autofree char *now = NULL;
  const char *then;

  if (!e_book_client_get_contact_finish (E_BOOK_CLIENT (object), result, &contact, &error))
    {
      step_fail (step, _concord_gnome_contacts_translate_error (error, "Reading a contact to change"));
      return NULL;
    }

  card = _concord_gnome_contacts_card_from_contact (contact, &now, &error);
  if (card == NULL)
    {
      g_prefix_error (&error, "The contact cannot be read: ");
      step_fail (step, g_steal_pointer (&error));
      return NULL;
    }

  /* Someone changed a field of this change since Concord read the contact:
   * writing now would lose their edit. The next run reads and merges it. */
  then = g_hash_table_lookup (step->book->cards, step->uid);
  if (then != NULL && !g_str_equal (then, now))
    read = concord_vcard_parse (then, -1, NULL);
  if (read != NULL &&
      concord_vcard_change_conflicts (read, card, step->change->set,
                                      (const char * const *) step->change->clear))
    {
      step_fail (step, g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_CONFLICT,
                                            "The contact changed in GNOME Contacts since it "
                                            "was read; it is read again on the next run"));
      return NULL;
    }

  if (!concord_vcard_apply (card, step->change->set, (const char * const *) step->change->clear,
                            self->region, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_INVALID_DATA,
                                     "The change cannot be written to the card");
      step_fail (step, g_steal_pointer (&error));
      return NULL;
    }

  text = concord_vcard_to_string (card, NULL);
  return e_contact_new_from_vcard_with_uid (text, step->uid);
}

/* The changes of an update call, read, changed and written in one call. */
typedef struct
{
  GTask       *task;      /* (owned) */
  EBookClient *client;    /* (owned) */
  guint        pending;   /* reads still out */
  GPtrArray   *steps;     /* (owned) Step (owned until handed on), ready to write */
  GSList      *contacts;  /* (owned) EContact, the steps' in reverse order */
} UpdateBatch;

static void
update_batch_free (UpdateBatch *group)
{
  g_object_unref (group->task);
  g_object_unref (group->client);
  g_ptr_array_unref (group->steps);
  g_slist_free_full (group->contacts, g_object_unref);
  g_free (group);
}

/* One modify for the whole batch (one D-Bus call, one transaction); when
 * EDS refuses it, each change is written on its own so that a refused
 * one fails alone. */
static void
on_contacts_modified_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  UpdateBatch *group = user_data;
  g_autoptr(GError) error = NULL;

  if (e_book_client_modify_contacts_finish (E_BOOK_CLIENT (object), result, &error))
    {
      for (guint i = 0; i < group->steps->len; i++)
        step_read_back (g_ptr_array_index (group->steps, i));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      for (guint i = 0; i < group->steps->len; i++)
        step_fail (g_ptr_array_index (group->steps, i),
                   _concord_gnome_contacts_translate_error (error, "Changing contacts"));
    }
  else
    {
      GSList *l = group->contacts;

      g_debug ("Changing %u contacts at once failed (%s); changing each", group->steps->len,
               error->message);
      for (guint i = 0; i < group->steps->len; i++, l = l->next)
        {
          Step *step = g_ptr_array_index (group->steps, i);

          e_book_client_modify_contact (step->client, l->data, E_BOOK_OPERATION_FLAG_NONE,
                                        g_task_get_cancellable (group->task),
                                        on_contact_modified_cb, step);
        }
    }

  update_batch_free (group);
}

static void
update_batch_read_done (UpdateBatch *group)
{
  if (--group->pending > 0)
    return;

  if (group->steps->len == 0)
    {
      update_batch_free (group);
      return;
    }

  group->contacts = g_slist_reverse (group->contacts);
  e_book_client_modify_contacts (group->client, group->contacts, E_BOOK_OPERATION_FLAG_NONE,
                                 g_task_get_cancellable (group->task), on_contacts_modified_cb,
                                 group);
}

static void
on_update_current_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Step *step = user_data;
  UpdateBatch *group = step->group;
  EContact *changed = prepare_update (step, object, result);

  if (changed != NULL)
    {
      g_ptr_array_add (group->steps, step);
      group->contacts = g_slist_prepend (group->contacts, changed);
    }
  update_batch_read_done (group);
}

static void
update_contacts (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  UpdateBatch *group = g_new0 (UpdateBatch, 1);
  GTask *done;

  group->task = g_object_ref (task);
  group->client = g_object_ref (call->book->client);
  group->steps = g_ptr_array_new ();
  group->pending = call->inputs->len;
  if (group->pending == 0)
    update_batch_free (group);

  for (guint i = 0; i < call->inputs->len; i++)
    {
      ConcordRecordChange *change = g_ptr_array_index (call->inputs, i);
      Step *step = step_new (task, batch, i, change->remote_id);

      step->change = change;
      step->group = group;
      _concord_gnome_contacts_book_begin_write (step->book, step->uid);
      step->writing = TRUE;
      e_book_client_get_contact (step->client, step->uid, g_task_get_cancellable (task),
                                 on_update_current_cb, step);
    }

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

void
concord_connector_gnome_contacts_update_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               GPtrArray           *changes,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_update_async, contact_type, changes,
                                      NULL, update_contacts, cancellable, callback, user_data);
}

/* ---- delete ---- */

static void
remove_done (Step *step)
{
  g_hash_table_remove (step->book->cards, step->uid);
  g_hash_table_remove (step->book->own_cards, step->uid);
  concord_write_batch_set_ok (step->batch, step->index, NULL);
  step_done (step);
}

static void
on_contact_removed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;

  /* A contact already gone is what was asked for. */
  if (!e_book_client_remove_contact_by_uid_finish (E_BOOK_CLIENT (object), result, &error) &&
      !_concord_gnome_contacts_is_not_found (error))
    {
      g_hash_table_remove (step->book->removed, step->uid);
      step_fail (step, _concord_gnome_contacts_translate_error (error, "Removing a contact"));
      return;
    }

  remove_done (step);
}

/* The removals of a delete call, made in one call. */
typedef struct
{
  GTask     *task;    /* (owned) */
  GPtrArray *steps;   /* (owned) Step (owned until handed on) */
  GSList    *uids;    /* (owned) the steps' UIDs, in their order */
} RemoveBatch;

static void
remove_batch_free (RemoveBatch *group)
{
  g_object_unref (group->task);
  g_ptr_array_unref (group->steps);
  g_slist_free_full (group->uids, g_free);
  g_free (group);
}

/* One removal for the whole batch; when EDS refuses it (one contact of it
 * already gone, say), each is removed on its own. */
static void
on_contacts_removed_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  RemoveBatch *group = user_data;
  g_autoptr(GError) error = NULL;

  if (e_book_client_remove_contacts_finish (E_BOOK_CLIENT (object), result, &error))
    {
      for (guint i = 0; i < group->steps->len; i++)
        remove_done (g_ptr_array_index (group->steps, i));
    }
  else
    {
      g_debug ("Removing %u contacts at once failed (%s); removing each", group->steps->len,
               error->message);
      for (guint i = 0; i < group->steps->len; i++)
        {
          Step *step = g_ptr_array_index (group->steps, i);

          e_book_client_remove_contact_by_uid (step->client, step->uid,
                                               E_BOOK_OPERATION_FLAG_NONE,
                                               g_task_get_cancellable (group->task),
                                               on_contact_removed_cb, step);
        }
    }

  remove_batch_free (group);
}

static void
delete_contacts (GTask *task)
{
  ConcordGnomeContactsCall *call = g_task_get_task_data (task);
  ConcordWriteBatch *batch = concord_write_batch_new (task, call->inputs->len);
  RemoveBatch *group = g_new0 (RemoveBatch, 1);
  GTask *done;

  group->task = g_object_ref (task);
  group->steps = g_ptr_array_new ();
  for (guint i = 0; i < call->inputs->len; i++)
    {
      const char *uid = g_ptr_array_index (call->inputs, i);

      /* Before the call: the view may tell of the removal before EDS
       * answers it. */
      g_hash_table_add (call->book->removed, g_strdup (uid));
      g_ptr_array_add (group->steps, step_new (task, batch, i, uid));
      group->uids = g_slist_prepend (group->uids, g_strdup (uid));
    }
  group->uids = g_slist_reverse (group->uids);

  if (group->steps->len > 0)
    e_book_client_remove_contacts (call->book->client, group->uids, E_BOOK_OPERATION_FLAG_NONE,
                                   g_task_get_cancellable (task), on_contacts_removed_cb, group);
  else
    remove_batch_free (group);

  done = concord_write_batch_release (batch);
  g_clear_object (&done);
  g_object_unref (task);
}

void
concord_connector_gnome_contacts_delete_async (ConcordConnector    *connector,
                                               const char          *contact_type,
                                               const char * const  *remote_ids,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_autoptr(GPtrArray) ids = _concord_gnome_contacts_strv_to_array (remote_ids);

  _concord_gnome_contacts_begin_call (connector, concord_connector_gnome_contacts_delete_async, contact_type, ids,
                                      NULL, delete_contacts, cancellable, callback, user_data);
}
