/* concord-activity-model.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A GListModel over a connection's activity that never holds all of it.
 *
 * The model knows how many rows there are (the engine says with every
 * page) and keeps a few pages of PAGE_SIZE rows. Asked for a row it does
 * not have, it returns a placeholder item (no row: the list shows a quiet
 * "Loading…" line of the same height), keeps it, and asks the engine for
 * that page; when the page arrives, the placeholders it handed out are
 * filled in place (notify::row), so the list view rebinds nothing and
 * creates no widget: items-changed would make it rebuild every visible
 * line. Rows near the edge of a page also ask for the next page, so
 * steady scrolling rarely meets a placeholder.
 *
 * Only one page is read at a time, and the page wanted last is read next
 * (a stack of at most MAX_WANTED pages): scrolling fast from top to
 * bottom never queues hundreds of reads on the engine thread, and what is
 * on screen now comes first. At most MAX_PAGES pages are kept; the ones
 * used longest ago are dropped first.
 *
 * A new query (connection or search) or a reload starts a new generation:
 * replies to older ones are dropped. The rows shown stay until the first
 * page of the new generation arrives, which replaces them all at once,
 * so a refresh after a run does not flash an empty list.
 */

#define G_LOG_DOMAIN "concord-activity-model"

#include "config.h"

#include "concord-activity-model.h"

#define PAGE_SIZE   200
#define MAX_PAGES   40
#define MAX_WANTED  6

/* ------------------------------------------------------------------------- */
/* Items                                                                     */
/* ------------------------------------------------------------------------- */

struct _ConcordActivityItem
{
  GObject             parent_instance;

  ConcordActivityRow *row;       /* (owned) (nullable): NULL for a placeholder */
  guint               position;
};

G_DEFINE_FINAL_TYPE (ConcordActivityItem, concord_activity_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_ROW,
  N_ITEM_PROPS
};

static GParamSpec *item_properties[N_ITEM_PROPS];

static void
concord_activity_item_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ConcordActivityItem *self = CONCORD_ACTIVITY_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_ROW:
      g_value_set_pointer (value, self->row);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_activity_item_finalize (GObject *object)
{
  ConcordActivityItem *self = (ConcordActivityItem *) object;

  g_clear_pointer (&self->row, concord_activity_row_free);

  G_OBJECT_CLASS (concord_activity_item_parent_class)->finalize (object);
}

static void
concord_activity_item_class_init (ConcordActivityItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concord_activity_item_finalize;
  object_class->get_property = concord_activity_item_get_property;

  /* The row, once loaded: a placeholder is filled in place. */
  item_properties[ITEM_PROP_ROW] =
    g_param_spec_pointer ("row", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_properties);
}

/* Fills a placeholder; takes @row. */
static void
item_fill (ConcordActivityItem *self,
           ConcordActivityRow  *row)
{
  g_assert (self->row == NULL);

  self->row = row;
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_ROW]);
}

static void
concord_activity_item_init (ConcordActivityItem *self)
{
}

static ConcordActivityItem *
item_new (ConcordActivityRow *row,
          guint               position)
{
  ConcordActivityItem *self = g_object_new (CONCORD_TYPE_ACTIVITY_ITEM, NULL);

  self->row = row;
  self->position = position;
  return self;
}

/**
 * concord_activity_item_get_row:
 *
 * Returns: (nullable): the row, or %NULL while it is loading
 */
const ConcordActivityRow *
concord_activity_item_get_row (ConcordActivityItem *self)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_ITEM (self), NULL);

  return self->row;
}

guint
concord_activity_item_get_position (ConcordActivityItem *self)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_ITEM (self), 0);

  return self->position;
}

/* ------------------------------------------------------------------------- */
/* The model                                                                 */
/* ------------------------------------------------------------------------- */

struct _ConcordActivityModel
{
  GObject        parent_instance;

  ConcordEngine *engine;          /* (owned) */
  gint64         connection_id;
  char          *search;          /* (owned) (nullable) */

  guint          n_items;
  GHashTable    *pages;           /* page index → Page */
  GQueue         used;            /* page indexes, most recently used first */
  GQueue         wanted;          /* page indexes, most recently wanted first */
  gboolean       in_flight;
  guint          in_flight_page;
  guint          generation;
  gboolean       replace_all;     /* the next page replaces every row */
  gboolean       loading;         /* no page of this generation yet */
  GCancellable  *cancellable;     /* (owned) */
  GQueue         to_fill;         /* Fill: placeholders whose row came in */
  guint          fill_id;         /* idle filling them a few at a time */
};

/* A placeholder and its row, waiting to be filled. */
typedef struct
{
  ConcordActivityItem *item;  /* (owned) */
  ConcordActivityRow  *row;   /* (owned) */
} Fill;

#define FILLS_PER_IDLE 12

static void concord_activity_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcordActivityModel, concord_activity_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      concord_activity_model_list_model_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  ConcordActivityModel *model;  /* (owned) */
  guint                 generation;
  guint                 page;
} Fetch;

/* One page: its items, placeholders until it is loaded. */
typedef struct
{
  GPtrArray *items;    /* PAGE_SIZE slots of (owned) (nullable) ConcordActivityItem */
  gboolean   loaded;
  guint      n_rows;   /* when loaded: how many rows the page has */
} Page;

static void start_next_fetch (ConcordActivityModel *self);

static void
page_free (Page *page)
{
  g_ptr_array_unref (page->items);
  g_free (page);
}

static void
item_unref (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static Page *
page_new (void)
{
  Page *page = g_new0 (Page, 1);

  page->items = g_ptr_array_new_full (PAGE_SIZE, item_unref);
  g_ptr_array_set_size (page->items, PAGE_SIZE);
  return page;
}

static gboolean
page_loaded (ConcordActivityModel *self,
             guint                 index)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));

  return !self->replace_all && page != NULL && page->loaded;
}

static void
fetch_free (Fetch *fetch)
{
  g_object_unref (fetch->model);
  g_free (fetch);
}

static void
fill_free (Fill *fill)
{
  g_object_unref (fill->item);
  concord_activity_row_free (fill->row);
  g_free (fill);
}

static void
clear_fills (ConcordActivityModel *self)
{
  g_queue_clear_full (&self->to_fill, (GDestroyNotify) fill_free);
  g_clear_handle_id (&self->fill_id, g_source_remove);
}

/* Each filled placeholder rebinds its line; the list view keeps many
 * lines, so a page's worth at once would stall a frame: a few at a time,
 * below redraws in priority. */
static gboolean
fill_some_cb (gpointer data)
{
  ConcordActivityModel *self = data;

  for (guint i = 0; i < FILLS_PER_IDLE && !g_queue_is_empty (&self->to_fill); i++)
    {
      Fill *fill = g_queue_pop_head (&self->to_fill);

      if (fill->item->row == NULL)
        item_fill (fill->item, g_steal_pointer (&fill->row));
      fill_free (fill);
    }

  if (!g_queue_is_empty (&self->to_fill))
    return G_SOURCE_CONTINUE;

  self->fill_id = 0;
  return G_SOURCE_REMOVE;
}

static void
touch_page (ConcordActivityModel *self,
            guint                 page)
{
  g_queue_remove (&self->used, GUINT_TO_POINTER (page));
  g_queue_push_head (&self->used, GUINT_TO_POINTER (page));

  while (g_queue_get_length (&self->used) > MAX_PAGES)
    {
      guint oldest = GPOINTER_TO_UINT (g_queue_pop_tail (&self->used));

      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest));
    }
}

static void
set_loading (ConcordActivityModel *self,
             gboolean              loading)
{
  if (self->loading == loading)
    return;

  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
on_page_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Fetch *fetch = user_data;
  ConcordActivityModel *self = fetch->model;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  guint total = 0;
  guint start;

  rows = concord_engine_query_activity_finish (CONCORD_ENGINE (object), result, &total, &error);

  if (fetch->generation != self->generation)
    {
      fetch_free (fetch);
      return;
    }

  self->in_flight = FALSE;

  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the activity: %s", error->message);
      set_loading (self, FALSE);
      fetch_free (fetch);
      return;
    }

  start = fetch->page * PAGE_SIZE;

  if (self->replace_all || total != self->n_items)
    {
      guint old = self->n_items;
      Page *page = page_new ();

      /* Everything may have moved: keep only this page, as new items. */
      for (guint i = 0; i < rows->len && i < PAGE_SIZE; i++)
        page->items->pdata[i] = item_new (g_steal_pointer (&rows->pdata[i]), start + i);
      page->loaded = TRUE;
      page->n_rows = MIN (rows->len, PAGE_SIZE);
      g_hash_table_remove_all (self->pages);
      g_queue_clear (&self->used);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (fetch->page), page);
      touch_page (self, fetch->page);
      self->replace_all = FALSE;
      self->n_items = total;
      set_loading (self, FALSE);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old, total);
      if (old != total)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  else
    {
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (fetch->page));

      if (page == NULL)
        {
          page = page_new ();
          g_hash_table_insert (self->pages, GUINT_TO_POINTER (fetch->page), page);
        }

      /* The placeholders handed out are filled; the others made now. */
      for (guint i = 0; i < rows->len && i < PAGE_SIZE; i++)
        {
          ConcordActivityItem *item = g_ptr_array_index (page->items, i);

          if (item == NULL)
            page->items->pdata[i] = item_new (g_steal_pointer (&rows->pdata[i]), start + i);
          else if (item->row == NULL)
            {
              Fill *fill = g_new0 (Fill, 1);

              fill->item = g_object_ref (item);
              fill->row = g_steal_pointer (&rows->pdata[i]);
              g_queue_push_tail (&self->to_fill, fill);
            }
        }
      if (!g_queue_is_empty (&self->to_fill) && self->fill_id == 0)
        self->fill_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, fill_some_cb, self, NULL);
      page->loaded = TRUE;
      page->n_rows = MIN (rows->len, PAGE_SIZE);
      touch_page (self, fetch->page);
      set_loading (self, FALSE);
    }

  fetch_free (fetch);
  start_next_fetch (self);
}

static void
start_fetch (ConcordActivityModel *self,
             guint                 page)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  fetch->model = g_object_ref (self);
  fetch->generation = self->generation;
  fetch->page = page;
  self->in_flight = TRUE;
  self->in_flight_page = page;
  concord_engine_query_activity_async (self->engine, self->connection_id, self->search,
                                       page * PAGE_SIZE, PAGE_SIZE, self->cancellable,
                                       on_page_loaded_cb, fetch);
}

static void
start_next_fetch (ConcordActivityModel *self)
{
  while (!self->in_flight && !g_queue_is_empty (&self->wanted))
    {
      guint page = GPOINTER_TO_UINT (g_queue_pop_head (&self->wanted));

      if (!page_loaded (self, page))
        start_fetch (self, page);
    }
}

static void
want_page (ConcordActivityModel *self,
           guint                 page)
{
  if (self->connection_id == 0 || page_loaded (self, page) ||
      (self->in_flight && self->in_flight_page == page))
    return;

  g_queue_remove (&self->wanted, GUINT_TO_POINTER (page));
  g_queue_push_head (&self->wanted, GUINT_TO_POINTER (page));
  while (g_queue_get_length (&self->wanted) > MAX_WANTED)
    g_queue_pop_tail (&self->wanted);

  start_next_fetch (self);
}

/* ------------------------------------------------------------------------- */
/* GListModel                                                                */
/* ------------------------------------------------------------------------- */

static GType
concord_activity_model_get_item_type (GListModel *model)
{
  return CONCORD_TYPE_ACTIVITY_ITEM;
}

static guint
concord_activity_model_get_n_items (GListModel *model)
{
  return CONCORD_ACTIVITY_MODEL (model)->n_items;
}

static gpointer
concord_activity_model_get_item (GListModel *model,
                                 guint       position)
{
  ConcordActivityModel *self = CONCORD_ACTIVITY_MODEL (model);
  guint page = position / PAGE_SIZE;
  guint offset = position % PAGE_SIZE;
  ConcordActivityItem *item;
  Page *entry;

  if (position >= self->n_items)
    return NULL;

  /* Read ahead when near the edge of a page. */
  if (offset >= PAGE_SIZE * 3 / 4 && (page + 1) * PAGE_SIZE < self->n_items)
    want_page (self, page + 1);
  else if (offset < PAGE_SIZE / 4 && page > 0)
    want_page (self, page - 1);

  /* While a reload is on its way, the rows shown stay as they are. */
  if (self->replace_all)
    {
      want_page (self, page);
      return item_new (NULL, position);
    }

  entry = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (entry == NULL)
    {
      entry = page_new ();
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), entry);
    }
  touch_page (self, page);

  item = g_ptr_array_index (entry->items, offset);
  if (item == NULL)
    {
      /* A loaded page without this row: the activity shrank meanwhile. */
      item = item_new (NULL, position);
      entry->items->pdata[offset] = item;
    }

  if (!entry->loaded)
    want_page (self, page);

  return g_object_ref (item);
}

static void
concord_activity_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = concord_activity_model_get_item_type;
  iface->get_n_items = concord_activity_model_get_n_items;
  iface->get_item = concord_activity_model_get_item;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_activity_model_dispose (GObject *object)
{
  ConcordActivityModel *self = (ConcordActivityModel *) object;

  clear_fills (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_activity_model_parent_class)->dispose (object);
}

static void
concord_activity_model_finalize (GObject *object)
{
  ConcordActivityModel *self = (ConcordActivityModel *) object;

  g_hash_table_unref (self->pages);
  g_queue_clear (&self->used);
  g_queue_clear (&self->wanted);
  g_free (self->search);

  G_OBJECT_CLASS (concord_activity_model_parent_class)->finalize (object);
}

static void
concord_activity_model_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ConcordActivityModel *self = CONCORD_ACTIVITY_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_activity_model_class_init (ConcordActivityModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = concord_activity_model_dispose;
  object_class->finalize = concord_activity_model_finalize;
  object_class->get_property = concord_activity_model_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concord_activity_model_init (ConcordActivityModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  self->cancellable = g_cancellable_new ();
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

ConcordActivityModel *
concord_activity_model_new (ConcordEngine *engine)
{
  ConcordActivityModel *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_ACTIVITY_MODEL, NULL);
  self->engine = g_object_ref (engine);
  return self;
}

/**
 * concord_activity_model_reload:
 *
 * Reads the activity again (after a run); the rows shown stay until the
 * new first page is in.
 */
void
concord_activity_model_reload (ConcordActivityModel *self)
{
  g_return_if_fail (CONCORD_IS_ACTIVITY_MODEL (self));

  self->generation++;
  clear_fills (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->in_flight = FALSE;
  g_queue_clear (&self->wanted);

  if (self->connection_id == 0)
    {
      guint old = self->n_items;

      g_hash_table_remove_all (self->pages);
      g_queue_clear (&self->used);
      self->n_items = 0;
      self->replace_all = FALSE;
      set_loading (self, FALSE);
      if (old > 0)
        {
          g_list_model_items_changed (G_LIST_MODEL (self), 0, old, 0);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
        }
      return;
    }

  self->replace_all = TRUE;
  set_loading (self, TRUE);
  want_page (self, 0);
}

/**
 * concord_activity_model_set_query:
 * @connection_id: the connection, or 0 for none
 * @search: (nullable): only rows about contacts matching this
 */
void
concord_activity_model_set_query (ConcordActivityModel *self,
                                  gint64                connection_id,
                                  const char           *search)
{
  g_return_if_fail (CONCORD_IS_ACTIVITY_MODEL (self));

  if (search != NULL && *search == '\0')
    search = NULL;

  if (self->connection_id == connection_id && g_strcmp0 (self->search, search) == 0)
    return;

  self->connection_id = connection_id;
  g_free (self->search);
  self->search = g_strdup (search);
  concord_activity_model_reload (self);
}

gboolean
concord_activity_model_is_loading (ConcordActivityModel *self)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_MODEL (self), FALSE);

  return self->loading;
}

/* How many rows are held now (for tests: never the whole activity). */
guint
concord_activity_model_get_n_loaded (ConcordActivityModel *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (CONCORD_IS_ACTIVITY_MODEL (self), 0);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Page *) value)->loaded ? ((Page *) value)->n_rows : 0;
  return n;
}
