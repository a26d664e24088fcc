/* concord-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The base class of every connector: the one way the engine talks to an app.
 *
 * The public functions only check their arguments and dispatch to the class
 * vfuncs. A connector that does not implement an async operation (delete is
 * optional) still answers through the usual callback: the wrapper reports a
 * CONCORD_ERROR_FAILED "not supported" error with g_task_report_new_error(),
 * tagged with the wrapper itself, and the matching _finish recognises that tag
 * before it would ask the subclass. So callers never need to check whether a
 * vfunc exists, and never get a synchronous callback.
 *
 * Subclasses need no _finish functions of their own: they create their
 * tasks with concord_connector_task_new(), tagged with their implementation
 * of the vfunc, and the default _finish vfuncs here check that the result
 * is such a task of this connector (a wrong tag is a programming error: a
 * critical, and an error for the caller rather than a pointer of the wrong
 * type) and propagate its pointer or boolean. The tag may be the vfunc of
 * any class between the connector's own and this one, so an intermediate
 * base (the REST or file connector) can implement an operation for its
 * subclasses, and a subclass can chain up to it.
 *
 * This file holds the class, its defaults and the calls about the app and
 * its fields; the calls on records (list, fetch, create, update, delete)
 * are in concord-connector-records.c, and the small boxed structs of the
 * interface (pages, changes, write results) in concord-connector-boxed.c.
 */

#define G_LOG_DOMAIN "concord-connector"

#include "config.h"

#include "concord-connector-private.h"
#include "concord-error.h"

G_DEFINE_ABSTRACT_TYPE (ConcordConnector, concord_connector, G_TYPE_OBJECT)

#define DEFAULT_MAX_BATCH 100
#define DEFAULT_PAGE_SIZE 100
/* A connector that declares no budget is assumed to allow one request a
 * second: few APIs allow less, so 1 % of it never hurts anyone's quota. */
#define DEFAULT_RATE_BUDGET 3600

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_connector_report_not_supported (ConcordConnector    *self,
                                        gpointer             source_tag,
                                        const char          *operation,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_task_report_new_error (self, callback, user_data, source_tag,
                           CONCORD_ERROR, CONCORD_ERROR_FAILED,
                           "The %s connector does not support %s",
                           G_OBJECT_TYPE_NAME (self), operation);
}

/* ------------------------------------------------------------------------- */
/* Default implementations                                                   */
/* ------------------------------------------------------------------------- */

/* Whether @result is a task of @self tagged with the vfunc at @offset in
 * the class structure of @self's class or of one of its ancestors (up to
 * ConcordConnector, whose own slots hold no implementation). */
static gboolean
task_is_tagged_by_vfunc (ConcordConnector *self,
                         GAsyncResult     *result,
                         gsize             offset)
{
  gpointer tag;
  GType type;

  if (!g_task_is_valid (result, self))
    return FALSE;

  tag = g_task_get_source_tag (G_TASK (result));
  if (tag == NULL)
    return FALSE;

  for (type = G_OBJECT_TYPE (self); type != CONCORD_TYPE_CONNECTOR; type = g_type_parent (type))
    {
      gpointer klass = g_type_class_peek (type);

      if (klass != NULL && G_STRUCT_MEMBER (gpointer, klass, offset) == tag)
        return TRUE;
    }

  return FALSE;
}

static gboolean
check_default_finish (ConcordConnector  *self,
                      GAsyncResult      *result,
                      gsize              offset,
                      const char        *operation,
                      GError           **error)
{
  if (task_is_tagged_by_vfunc (self, result, offset))
    return TRUE;

  g_critical ("%s: the result is not a task of this %s tagged with its %s method "
              "(create it with concord_connector_task_new())",
              G_STRFUNC, G_OBJECT_TYPE_NAME (self), operation);
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
               "The %s connector finished %s with a result that is not its own",
               G_OBJECT_TYPE_NAME (self), operation);
  return FALSE;
}

#define DEFINE_POINTER_FINISH(name, type, vfunc, operation)                                  \
  static type                                                                                \
  name (ConcordConnector  *self,                                                             \
        GAsyncResult      *result,                                                           \
        GError           **error)                                                            \
  {                                                                                          \
    if (!check_default_finish (self, result, G_STRUCT_OFFSET (ConcordConnectorClass, vfunc), \
                               operation, error))                                            \
      return NULL;                                                                           \
    return g_task_propagate_pointer (G_TASK (result), error);                                \
  }

DEFINE_POINTER_FINISH (concord_connector_real_load_schema_finish, GPtrArray *, load_schema_async,
                       "load_schema")
DEFINE_POINTER_FINISH (concord_connector_real_list_finish, ConcordPage *, list_async, "list")
DEFINE_POINTER_FINISH (concord_connector_real_fetch_finish, GPtrArray *, fetch_async, "fetch")
DEFINE_POINTER_FINISH (concord_connector_real_create_finish, GPtrArray *, create_async, "create")
DEFINE_POINTER_FINISH (concord_connector_real_update_finish, GPtrArray *, update_async, "update")
DEFINE_POINTER_FINISH (concord_connector_real_delete_finish, GPtrArray *, delete_async, "delete")
DEFINE_POINTER_FINISH (concord_connector_real_list_choices_finish, char **, list_choices_async,
                       "list_choices")
DEFINE_POINTER_FINISH (concord_connector_real_list_contact_types_finish, GPtrArray *,
                       list_contact_types_async, "list_contact_types")

static gboolean
concord_connector_real_verify_finish (ConcordConnector  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  if (!check_default_finish (self, result, G_STRUCT_OFFSET (ConcordConnectorClass, verify_async),
                             "verify", error))
    return FALSE;

  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *
concord_connector_real_get_app_name (ConcordConnector *self)
{
  return concord_connector_get_app_id (self);
}

static ConcordConnectorFlags
concord_connector_real_get_flags (ConcordConnector *self)
{
  return CONCORD_CONNECTOR_NONE;
}

static guint
concord_connector_real_get_max_batch (ConcordConnector *self)
{
  return DEFAULT_MAX_BATCH;
}

static guint
concord_connector_real_get_page_size (ConcordConnector *self)
{
  return DEFAULT_PAGE_SIZE;
}

static guint
concord_connector_real_get_rate_budget (ConcordConnector *self)
{
  return DEFAULT_RATE_BUDGET;
}

static gboolean
concord_connector_real_watch_changes (ConcordConnector *self)
{
  return FALSE;
}

static gboolean
concord_connector_real_type_matches (ConcordConnector         *self,
                                     const ConcordContactType *type,
                                     const char               *name)
{
  g_autofree char *name_folded = NULL;
  g_autofree char *label_folded = NULL;

  if (g_str_equal (type->id, name))
    return TRUE;
  /* Only text compares by case (a name from the command line may be
   * any bytes). */
  if (type->label == NULL || !g_utf8_validate (name, -1, NULL) ||
      !g_utf8_validate (type->label, -1, NULL))
    return FALSE;
  name_folded = g_utf8_casefold (name, -1);
  label_folded = g_utf8_casefold (type->label, -1);
  return g_str_equal (name_folded, label_folded);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_connector_class_init (ConcordConnectorClass *klass)
{
  klass->get_app_name = concord_connector_real_get_app_name;
  klass->get_flags = concord_connector_real_get_flags;
  klass->get_max_batch = concord_connector_real_get_max_batch;
  klass->get_page_size = concord_connector_real_get_page_size;
  klass->get_rate_budget = concord_connector_real_get_rate_budget;
  klass->watch_changes = concord_connector_real_watch_changes;
  klass->type_matches = concord_connector_real_type_matches;
  klass->load_schema_finish = concord_connector_real_load_schema_finish;
  klass->list_finish = concord_connector_real_list_finish;
  klass->fetch_finish = concord_connector_real_fetch_finish;
  klass->create_finish = concord_connector_real_create_finish;
  klass->update_finish = concord_connector_real_update_finish;
  klass->delete_finish = concord_connector_real_delete_finish;
  klass->list_choices_finish = concord_connector_real_list_choices_finish;
  klass->verify_finish = concord_connector_real_verify_finish;
  klass->list_contact_types_finish = concord_connector_real_list_contact_types_finish;

  /**
   * ConcordConnector::changed:
   *
   * The app says records changed there (after concord_connector_watch_changes()):
   * a sync soon will carry them across. Emitted on the main context that
   * was the thread default where watching started.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
concord_connector_init (ConcordConnector *self)
{
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_connector_task_new:
 * @self: a #ConcordConnector
 * @source_tag: the implementation of the vfunc the task is for (e.g.
 *   `my_connector_list_async`), so that the default _finish accepts it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * For implementations: the task of one async operation, which the base
 * class's default _finish vfunc then propagates. Return a pointer of the
 * vfunc's result type (transfer full) with g_task_return_pointer(), or a
 * boolean for verify_async().
 *
 * Returns: (transfer full): a new #GTask on the thread-default main context
 */
GTask *
concord_connector_task_new (ConcordConnector    *self,
                            gpointer             source_tag,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (source_tag != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  return task;
}

/**
 * concord_connector_get_page_size:
 *
 * Returns: the most records one page of a listing holds
 */
guint
concord_connector_get_page_size (ConcordConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), DEFAULT_PAGE_SIZE);

  return MAX (1, CONCORD_CONNECTOR_GET_CLASS (self)->get_page_size (self));
}

/**
 * concord_connector_get_rate_budget:
 *
 * Returns: the requests an hour the app allows an account; 0 when it sets
 *   no budget (a local app)
 */
guint
concord_connector_get_rate_budget (ConcordConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), DEFAULT_RATE_BUDGET);

  return CONCORD_CONNECTOR_GET_CLASS (self)->get_rate_budget (self);
}

/**
 * concord_connector_type_matches:
 * @type: a contact type this connector listed
 * @name: what a person gave to name a contact type
 *
 * Resolves a person's name for a contact type, as the command line's
 * ACCOUNT:TYPE: the type's id, or its label (what the app shows, an
 * address book's display name) without regard to case, and the ways the
 * app itself names its types (a CardDAV address book's path, a vCard
 * folder's path on disk).
 *
 * Returns: whether @name names @type
 */
gboolean
concord_connector_type_matches (ConcordConnector         *self,
                                const ConcordContactType *type,
                                const char               *name)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), FALSE);
  g_return_val_if_fail (type != NULL && type->id != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return CONCORD_CONNECTOR_GET_CLASS (self)->type_matches (self, type, name);
}

/**
 * concord_connector_watch_changes:
 *
 * Asks the connector to report changes made in the app with
 * #ConcordConnector::changed, from now on, on the caller's thread-default
 * main context. Calling it again does nothing more.
 *
 * Returns: %TRUE when the app can report changes
 */
gboolean
concord_connector_watch_changes (ConcordConnector *self)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), FALSE);

  return CONCORD_CONNECTOR_GET_CLASS (self)->watch_changes (self);
}

/**
 * concord_connector_emit_changed:
 *
 * For implementations: records changed in the app.
 */
void
concord_connector_emit_changed (ConcordConnector *self)
{
  g_return_if_fail (CONCORD_IS_CONNECTOR (self));

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * concord_connector_get_app_id:
 *
 * Returns: (transfer none): the stable id of the app, e.g. elasticemail
 */
const char *
concord_connector_get_app_id (ConcordConnector *self)
{
  ConcordConnectorClass *klass;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  g_return_val_if_fail (klass->get_app_id != NULL, NULL);

  return klass->get_app_id (self);
}

/**
 * concord_connector_get_app_name:
 *
 * Returns: (transfer none): the display name of the app (the app id when
 *   the connector gives none)
 */
const char *
concord_connector_get_app_name (ConcordConnector *self)
{
  ConcordConnectorClass *klass;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->get_app_name == NULL)
    return concord_connector_get_app_id (self);

  return klass->get_app_name (self);
}

ConcordConnectorFlags
concord_connector_get_flags (ConcordConnector *self)
{
  ConcordConnectorClass *klass;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), CONCORD_CONNECTOR_NONE);

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->get_flags == NULL)
    return CONCORD_CONNECTOR_NONE;

  return klass->get_flags (self);
}

/**
 * concord_connector_get_max_batch:
 *
 * Returns: the largest number of records or changes one create_async() or
 *   update_async() call accepts (100 unless the connector says otherwise)
 */
guint
concord_connector_get_max_batch (ConcordConnector *self)
{
  ConcordConnectorClass *klass;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), DEFAULT_MAX_BATCH);

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->get_max_batch == NULL)
    return DEFAULT_MAX_BATCH;

  return klass->get_max_batch (self);
}

/**
 * concord_connector_list_contact_types:
 *
 * Returns: (transfer full) (element-type ConcordContactType): the contact
 *   types of the app; empty when the connector lists none
 */
GPtrArray *
concord_connector_list_contact_types (ConcordConnector *self)
{
  ConcordConnectorClass *klass;

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->list_contact_types == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  return klass->list_contact_types (self);
}

/* Keeps the result of a call made by a _sync() wrapper below. */
static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * concord_connector_list_contact_types_async:
 * @self: a #ConcordConnector
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Lists the app's contact types, asking the app where it keeps them
 * behind its API (a mailing tool's audiences). A connector whose types are
 * fixed answers from concord_connector_list_contact_types() at once.
 */
void
concord_connector_list_contact_types_async (ConcordConnector    *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->list_contact_types_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, concord_connector_list_contact_types_async);
      g_task_return_pointer (task, concord_connector_list_contact_types (self),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  klass->list_contact_types_async (self, cancellable, callback, user_data);
}

/**
 * concord_connector_list_contact_types_finish:
 *
 * Returns: (transfer full) (element-type ConcordContactType): the contact
 *   types, or %NULL with @error set
 */
GPtrArray *
concord_connector_list_contact_types_finish (ConcordConnector  *self,
                                             GAsyncResult      *result,
                                             GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_list_contact_types_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->list_contact_types_finish (self, result, error);
}

/**
 * concord_connector_list_contact_types_sync:
 *
 * concord_connector_list_contact_types_async() for a thread that runs no
 * main loop of its own (the engine's thread).
 *
 * Returns: (transfer full) (element-type ConcordContactType): as
 *   concord_connector_list_contact_types_finish()
 */
GPtrArray *
concord_connector_list_contact_types_sync (ConcordConnector  *self,
                                           GCancellable      *cancellable,
                                           GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  concord_connector_list_contact_types_async (self, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  return concord_connector_list_contact_types_finish (self, result, error);
}

/**
 * concord_connector_load_schema_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Loads the field specs of @contact_type, custom fields included.
 */
void
concord_connector_load_schema_async (ConcordConnector    *self,
                                     const char          *contact_type,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->load_schema_async == NULL || klass->load_schema_finish == NULL)
    {
      concord_connector_report_not_supported (self, concord_connector_load_schema_async, "loading the schema",
                            callback, user_data);
      return;
    }

  klass->load_schema_async (self, contact_type, cancellable, callback, user_data);
}

/**
 * concord_connector_load_schema_finish:
 *
 * Returns: (transfer full) (element-type ConcordFieldSpec): the field specs,
 *   or %NULL with @error set
 */
GPtrArray *
concord_connector_load_schema_finish (ConcordConnector  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_load_schema_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->load_schema_finish (self, result, error);
}

/**
 * concord_connector_list_choices_async:
 * @self: a #ConcordConnector
 * @contact_type: the id of a contact type
 * @field: the key of a list or tag field (a string set)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Reads the values @field can hold, for an app that accepts only those
 * (a list must exist in Elastic Email before a contact is put on it). A
 * connector without the method, or a field that takes any value, gives
 * %NULL: the editors then take free text.
 */
void
concord_connector_list_choices_async (ConcordConnector    *self,
                                      const char          *contact_type,
                                      const char          *field,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (contact_type != NULL);
  g_return_if_fail (field != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->list_choices_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, concord_connector_list_choices_async);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  klass->list_choices_async (self, contact_type, field, cancellable, callback, user_data);
}

/**
 * concord_connector_list_choices_finish:
 *
 * Returns: (transfer full) (nullable): the values, sorted; %NULL when
 *   the field takes any value (@error unset) or on failure (@error set)
 */
char **
concord_connector_list_choices_finish (ConcordConnector  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, concord_connector_list_choices_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->list_choices_finish (self, result, error);
}

/**
 * concord_connector_verify_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Checks the connector's credentials against its app with a cheap call:
 * %CONCORD_ERROR_AUTH_FAILED for a refused key, %CONCORD_ERROR_NETWORK
 * when the app cannot be reached. A connector without the method has
 * nothing to check (a local one) and succeeds.
 */
void
concord_connector_verify_async (ConcordConnector    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  ConcordConnectorClass *klass;

  g_return_if_fail (CONCORD_IS_CONNECTOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = CONCORD_CONNECTOR_GET_CLASS (self);
  if (klass->verify_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, concord_connector_verify_async);
      g_task_return_boolean (task, TRUE);
      return;
    }

  klass->verify_async (self, cancellable, callback, user_data);
}

gboolean
concord_connector_verify_finish (ConcordConnector  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_async_result_is_tagged (result, concord_connector_verify_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return CONCORD_CONNECTOR_GET_CLASS (self)->verify_finish (self, result, error);
}

/**
 * concord_connector_list_choices_sync:
 *
 * concord_connector_list_choices_async() for a thread that runs no main
 * loop of its own (the engine's thread).
 *
 * Returns: (transfer full) (nullable): as concord_connector_list_choices_finish()
 */
char **
concord_connector_list_choices_sync (ConcordConnector  *self,
                                     const char        *contact_type,
                                     const char        *field,
                                     GCancellable      *cancellable,
                                     GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  concord_connector_list_choices_async (self, contact_type, field, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  return concord_connector_list_choices_finish (self, result, error);
}

/**
 * concord_connector_load_schema_sync:
 *
 * concord_connector_load_schema_async() for a thread that runs no main
 * loop of its own (the engine's thread during a run, concord-cli): it
 * iterates the thread-default context, where the connector's calls
 * complete, until the schema is there.
 *
 * Returns: (transfer full) (element-type ConcordFieldSpec): the field specs,
 *   or %NULL with @error set
 */
GPtrArray *
concord_connector_load_schema_sync (ConcordConnector  *self,
                                    const char        *contact_type,
                                    GCancellable      *cancellable,
                                    GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_val_if_fail (CONCORD_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  concord_connector_load_schema_async (self, contact_type, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  return concord_connector_load_schema_finish (self, result, error);
}
