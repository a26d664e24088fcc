/* test-mapping-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The field mapping editor over a setup built by hand from two schemas of
 * several field types (no engine): mapping by a drop (the drag source's
 * content handed to the drop target as GTK does), by the keyboard through
 * “Map to…”, an incompatible drop refused and explained, replacing a
 * pair, a value map through the value-map dialog's widgets with its
 * not-one-to-one warning, a list separator, directions (with read-only
 * fields), unmapping and undo; after every edit the config still loads in
 * the engine. Every control has an accessible name and is in the focus
 * chain.
 */

#include "config.h"

#include <string.h>

#include "concord-mapping-candidate-row.h"
#include "concord-mapping-editor-private.h"
#include "concord-mapping-field-row.h"
#include "concord-mapping-pair-row.h"
#include "concord-mapping-values-dialog.h"
#include "concord-resources.h"
#include "concord-test-ui.h"
#include "concord-rules.h"
#include "concord-test-utils.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static ConcordFieldSpec *
spec (const char       *key,
      const char       *label,
      ConcordFieldType  type,
      gboolean          read_only,
      const char       *choices)
{
  ConcordFieldSpec *spec = concord_field_spec_new (key, label, type, read_only);

  if (choices != NULL)
    spec->choices = g_strsplit (choices, ",", -1);
  return spec;
}

static ConcordConnectionSetup *
make_setup (void)
{
  ConcordConnectionSetup *setup = g_new0 (ConcordConnectionSetup, 1);
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  GPtrArray *b = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  g_ptr_array_add (a, spec ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE, NULL));
  g_ptr_array_add (a, spec ("first_name", "First name", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_ptr_array_add (a, spec ("last_name", "Last name", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_ptr_array_add (a, spec ("birthday", "Birthday", CONCORD_FIELD_TYPE_DATE, FALSE, NULL));
  g_ptr_array_add (a, spec ("custom:Score", "Score", CONCORD_FIELD_TYPE_NUMBER, FALSE, NULL));
  g_ptr_array_add (a, spec ("custom:Plan", "Plan", CONCORD_FIELD_TYPE_ENUM, FALSE, "Free,Pro,Enterprise"));
  g_ptr_array_add (a, spec ("tags", "Tags", CONCORD_FIELD_TYPE_STRING_SET, FALSE, NULL));
  g_ptr_array_add (a, spec ("custom:Newsletter", "Newsletter", CONCORD_FIELD_TYPE_BOOLEAN, FALSE, NULL));
  g_ptr_array_add (a, spec ("created_at", "Created", CONCORD_FIELD_TYPE_DATETIME, TRUE, NULL));
  g_ptr_array_add (a, spec ("custom:Phone", "Phone", CONCORD_FIELD_TYPE_PHONE, FALSE, NULL));
  g_ptr_array_add (a, spec ("custom:Since", "Member since", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));

  g_ptr_array_add (b, spec ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:firstname", "firstname", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Surname", "Family name", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Signup", "Signup date", CONCORD_FIELD_TYPE_DATE, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Joined", "Joined", CONCORD_FIELD_TYPE_DATE, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Points", "Points", CONCORD_FIELD_TYPE_NUMBER, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Level", "Level", CONCORD_FIELD_TYPE_ENUM, FALSE, "free,pro,premium,business"));
  g_ptr_array_add (b, spec ("custom:Interests", "Interests", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Subscribed", "Subscribed", CONCORD_FIELD_TYPE_BOOLEAN, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Created", "Created", CONCORD_FIELD_TYPE_DATETIME, FALSE, NULL));
  g_ptr_array_add (b, spec ("custom:Assistant", "Assistant’s number", CONCORD_FIELD_TYPE_PHONE, FALSE, NULL));

  setup->connection_id = 1;
  setup->app_id[0] = g_strdup ("elasticemail");
  setup->app_id[1] = g_strdup ("sample-crm");
  setup->type[0] = g_strdup ("contacts");
  setup->type[1] = g_strdup ("contacts");
  setup->direction = CONCORD_DIRECTION_BOTH;
  setup->fields[0] = a;
  setup->fields[1] = b;
  setup->config = concord_connection_config_new ();
  setup->config->mapping = concord_mapping_new_auto (a, b, NULL);
  setup->automatic = TRUE;

  return setup;
}

/* The stored pair of @key_a as JSON, or NULL; also checks that the whole
 * config still loads in the engine. */
static JsonObject *
stored_pair (ConcordConnectionSetup *setup,
             const char             *key_a)
{
  static JsonNode *node;
  g_autofree char *json = concord_connection_config_to_json (setup->config, NULL);
  g_autoptr(ConcordConnectionConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *pairs;

  again = concord_connection_config_new_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_true (concord_mapping_validate (setup->config->mapping, "mapping", NULL, NULL));

  g_clear_pointer (&node, json_node_unref);
  node = concord_mapping_to_json (setup->config->mapping);
  pairs = json_object_get_array_member (json_node_get_object (node), "pairs");
  for (guint i = 0; i < json_array_get_length (pairs); i++)
    {
      JsonObject *pair = json_array_get_object_element (pairs, i);

      if (g_str_equal (json_object_get_string_member (pair, "a"), key_a))
        return pair;
    }

  return NULL;
}

static void
assert_pair (ConcordConnectionSetup *setup,
             const char             *key_a,
             const char             *key_b,
             const char             *flow)
{
  JsonObject *pair = stored_pair (setup, key_a);

  if (pair == NULL)
    g_error ("%s is not mapped", key_a);
  g_assert_cmpstr (json_object_get_string_member (pair, "b"), ==, key_b);
  g_assert_cmpstr (json_object_get_string_member (pair, "flow"), ==, flow);
}

static char *
mapping_json (ConcordConnectionSetup *setup)
{
  g_autoptr(JsonNode) node = concord_mapping_to_json (setup->config->mapping);

  return json_to_string (node, FALSE);
}

typedef gboolean (*Match) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find (GtkWidget     *root,
      Match          match,
      gconstpointer  data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (match (child, data))
        return child;
      found = find (child, match, data);
      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  int         side;
  const char *key;
} FieldRef;

static gboolean
is_field_row (GtkWidget     *widget,
              gconstpointer  data)
{
  const FieldRef *ref = data;

  return CONCORD_IS_MAPPING_FIELD_ROW (widget) &&
         g_strcmp0 (concord_mapping_field_row_get_key (CONCORD_MAPPING_FIELD_ROW (widget)), ref->key) == 0 &&
         (int) concord_mapping_field_row_get_side (CONCORD_MAPPING_FIELD_ROW (widget)) == ref->side;
}

static GtkWidget *
field_row (GtkWidget  *editor,
           int         side,
           const char *key)
{
  FieldRef ref = { side, key };

  return find (editor, is_field_row, &ref);
}

static gboolean
is_pair_row (GtkWidget     *widget,
             gconstpointer  data)
{
  return CONCORD_IS_MAPPING_PAIR_ROW (widget) &&
         g_strcmp0 (concord_mapping_pair_row_get_key_a (CONCORD_MAPPING_PAIR_ROW (widget)), data) == 0;
}

static GtkWidget *
pair_row (GtkWidget  *editor,
          const char *key_a)
{
  return find (editor, is_pair_row, key_a);
}

static GtkWidget *
control (GtkWidget  *editor,
         const char *id)
{
  return concord_mapping_editor_find_control (CONCORD_MAPPING_EDITOR (editor), id);
}

static GtkWidget *
by_focus_id (GtkWidget  *editor,
             const char *id)
{
  GtkWidget *found = control (editor, id);

  if (found == NULL)
    g_error ("no control %s", id);
  return found;
}

static gboolean
is_type (GtkWidget     *widget,
         gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

static gboolean
is_icon_button (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
has_value_widgets (GtkWidget     *widget,
                   gconstpointer  data)
{
  return g_object_get_data (G_OBJECT (widget), "value-a") != NULL;
}

/* The choice of @flow in the popover of a pair's direction @button. */
static GtkWidget *
flow_check (GtkWidget       *button,
            ConcordPairFlow  flow)
{
  GtkWidget *row = gtk_widget_get_ancestor (button, CONCORD_TYPE_MAPPING_PAIR_ROW);

  return GTK_WIDGET (concord_mapping_pair_row_get_flow_check (CONCORD_MAPPING_PAIR_ROW (row), flow));
}

/* The widget under @root named @name, if it is shown. */
static GtkWidget *
shown_named (GtkWidget  *root,
             const char *name)
{
  GtkWidget *found = concord_test_find_named (root, name);

  return found != NULL && gtk_widget_get_visible (found) ? found : NULL;
}

static gboolean
label_contains (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
         strstr (gtk_label_get_label (GTK_LABEL (widget)), data) != NULL;
}

static GtkEventController *
controller (GtkWidget *widget,
            GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (item, type))
        return GTK_EVENT_CONTROLLER (item);
    }

  return NULL;
}

/* Drags @source_row onto @target_row the way GTK does: the drag source
 * prepares its content, the drop target is entered, then gets the value. */
static gboolean
simulate_drop (GtkWidget  *source_row,
               GtkWidget  *target_row,
               const char *expected_class)
{
  GtkEventController *source = controller (source_row, GTK_TYPE_DRAG_SOURCE);
  GtkEventController *target = controller (target_row, GTK_TYPE_DROP_TARGET);
  g_autoptr(GdkContentProvider) content = NULL;
  g_autoptr(GError) error = NULL;
  GValue value = G_VALUE_INIT;
  GdkDragAction action = 0;
  gboolean dropped = FALSE;

  g_assert_nonnull (source);
  g_assert_nonnull (target);
  /* GTK holds the drag source for the length of the drag. */
  g_object_ref (source);

  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_nonnull (content);
  g_value_init (&value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);

  g_signal_emit_by_name (target, "enter", 12.0, 12.0, &action);
  g_assert_cmpint (action, ==, GDK_ACTION_COPY);
  g_assert_true (gtk_widget_has_css_class (target_row, expected_class));

  g_signal_emit_by_name (target, "drop", &value, 12.0, 12.0, &dropped);
  g_value_unset (&value);
  {
    GdkDrag *drag = NULL;

    g_signal_emit_by_name (source, "drag-end", drag, FALSE);
  }
  g_object_unref (source);
  return dropped;
}

static void
assert_labelled (GtkWidget *widget)
{
  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    g_error ("%s (%s) has no accessible label", G_OBJECT_TYPE_NAME (widget),
             gtk_widget_get_tooltip_text (widget));
}

/* Every interactive widget under @root has an accessible label; returns
 * how many were checked. A hidden one (a row's format drop-down, when the
 * pair has no format) is not in the accessibility tree. */
static guint
check_labels (GtkWidget *root)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_str_equal (G_OBJECT_TYPE_NAME (child), "AdwToastWidget") || GTK_IS_POPOVER (child) ||
          !gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_MENU_BUTTON (child))
        {
          GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (child));

          assert_labelled (child);
          n++;
          if (popover != NULL)
            n += check_labels (GTK_WIDGET (popover));
          continue;
        }
      if (GTK_IS_BUTTON (child) || GTK_IS_DROP_DOWN (child) || GTK_IS_CHECK_BUTTON (child) ||
          GTK_IS_EDITABLE (child) || ADW_IS_COMBO_ROW (child) || ADW_IS_ENTRY_ROW (child))
        {
          assert_labelled (child);
          n++;
          continue;
        }
      n += check_labels (child);
    }

  return n;
}

/* Tabs through @window; TRUE when @target (or a widget inside it) got
 * the focus. */
static gboolean
in_focus_chain (GtkWidget *window,
                GtkWidget *target)
{
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  for (guint i = 0; i < 500; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD))
        return FALSE;
      focus = gtk_window_get_focus (GTK_WINDOW (window));
      if (focus == target || (focus != NULL && gtk_widget_is_ancestor (focus, target)))
        return TRUE;
    }

  return FALSE;
}

/* Whether the focus is on @target or inside it. */
static gboolean
focus_within (GtkWidget *window,
              GtkWidget *target)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  return focus != NULL && (focus == target || gtk_widget_is_ancestor (focus, target));
}

static void
screenshots (GtkWidget  *window,
             const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("%s.png", name);
  g_autofree char *dark = g_strdup_printf ("%s-dark.png", name);

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") == NULL)
    return;

  concord_test_save_window (window, light, 500);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  concord_test_save_window (window, dark, 500);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  concord_test_spin (100);
}

/* Clicks Undo on the toast the last edit showed: its button's action
 * target is the editor's undo serial, the highest of all toasts' (an
 * older toast may still be there, sliding out). */
static void
newest_undo_button (GtkWidget  *root,
                    GtkWidget **newest,
                    guint32    *serial)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GVariant *target;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), "_Undo") == 0 &&
          (target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (child))) != NULL &&
          g_variant_is_of_type (target, G_VARIANT_TYPE_UINT32) &&
          (*newest == NULL || g_variant_get_uint32 (target) > *serial))
        {
          *newest = child;
          *serial = g_variant_get_uint32 (target);
        }
      newest_undo_button (child, newest, serial);
    }
}

static GtkWidget *
undo_button (GtkWidget *editor)
{
  GtkWidget *newest = NULL;
  guint32 serial = 0;

  newest_undo_button (editor, &newest, &serial);
  return newest != NULL && gtk_widget_get_mapped (newest) ? newest : NULL;
}

static void
undo (GtkWidget *editor)
{
  CONCORD_TEST_WAIT_FOR (undo_button (editor) != NULL);   /* the toast slides in */
  g_signal_emit_by_name (undo_button (editor), "clicked");
}

static guint changes;

static void
on_changed (ConcordMappingEditor *editor)
{
  changes++;
}

static ConcordMappingValuesDialog *
values_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (CONCORD_IS_MAPPING_VALUES_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return CONCORD_MAPPING_VALUES_DIALOG (window);
    }

  return NULL;
}

/* ------------------------------------------------------------------------- */
/* The test                                                                  */
/* ------------------------------------------------------------------------- */

static void
test_mapping_editor (void)
{
  g_autoptr(ConcordConnectionSetup) setup = make_setup ();
  GtkWidget *window, *box, *header, *editor, *problem, *row, *button, *check, *search, *list;
  GtkPopover *popover;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  ConcordMappingValuesDialog *dialog;
  guint changes_before;

  window = adw_window_new ();
  /* 1280×800 inside the client-side shadow */
  gtk_window_set_default_size (GTK_WINDOW (window), 1290, 810);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Field Mapping", "Shop ⇄ CRM"));
  editor = concord_mapping_editor_new ();
  gtk_widget_set_vexpand (editor, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), editor);
  adw_window_set_content (ADW_WINDOW (window), box);
  g_signal_connect (editor, "changed", G_CALLBACK (on_changed), NULL);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), setup, "Shop", "CRM");
  gtk_window_present (GTK_WINDOW (window));
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (editor) && pair_row (editor, "email") != NULL);

  /* What the automatic mapping gave: same names, a read-only side one way. */
  assert_pair (setup, "email", "email", "both");
  assert_pair (setup, "first_name", "custom:firstname", "both");
  assert_pair (setup, "created_at", "custom:Created", "a-to-b");
  assert_pair (setup, "last_name", "custom:Surname", "both");   /* a synonym */
  g_assert_null (stored_pair (setup, "birthday"));
  g_assert_true (find (editor, label_contains, "Automatic mapping") != NULL);
  g_assert_nonnull (pair_row (editor, "email"));
  /* Automatic pairs say so, on screen as well as to screen readers. */
  g_assert_nonnull (find (pair_row (editor, "email"), label_contains, "Automatic"));
  g_assert_nonnull (field_row (editor, 0, "birthday"));
  g_assert_nonnull (field_row (editor, 1, "custom:Signup"));
  g_assert_null (field_row (editor, 0, "email"));   /* mapped: not among the unmapped */

  /* Map by drop: Birthday onto Signup date. */
  changes = 0;
  g_assert_true (simulate_drop (field_row (editor, 0, "birthday"), field_row (editor, 1, "custom:Signup"),
                                "drop-highlight"));
  assert_pair (setup, "birthday", "custom:Signup", "both");
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "birthday") != NULL);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_false (setup->automatic);
  g_assert_true (find (editor, label_contains, "Custom mapping") != NULL);
  g_assert_nonnull (pair_row (editor, "birthday"));
  g_assert_null (find (pair_row (editor, "birthday"), label_contains, "Automatic"));
  g_assert_nonnull (find (pair_row (editor, "email"), label_contains, "Automatic"));
  g_assert_null (field_row (editor, 0, "birthday"));
  g_assert_null (field_row (editor, 1, "custom:Signup"));

  /* Dropped the other way (B onto A) works the same: Subscribed onto Newsletter. */
  g_assert_true (simulate_drop (field_row (editor, 1, "custom:Subscribed"),
                                field_row (editor, 0, "custom:Newsletter"), "drop-highlight"));
  assert_pair (setup, "custom:Newsletter", "custom:Subscribed", "both");
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "custom:Newsletter") != NULL);

  /* An incompatible drop: a number onto a date. Nothing stored, and why. */
  before = mapping_json (setup);
  changes = 0;
  g_assert_false (simulate_drop (field_row (editor, 0, "custom:Score"), field_row (editor, 1, "custom:Joined"),
                                 "drop-refused"));
  after = mapping_json (setup);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (changes, ==, 0);
  problem = find (editor, label_contains, "A number cannot be written to a date");
  g_assert_nonnull (problem);
  g_assert_true (gtk_widget_get_visible (problem));
  {
    /* Also where the drop happened, at the bottom. */
    GtkWidget *notice = find (editor, is_type, GSIZE_TO_POINTER (GTK_TYPE_REVEALER));

    g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (notice)));
    g_assert_nonnull (find (notice, label_contains, "A number cannot be written to a date"));
  }
  g_assert_false (gtk_widget_has_css_class (field_row (editor, 1, "custom:Joined"), "drop-refused"));

  /* A drop on the same side is refused too. */
  g_assert_false (simulate_drop (field_row (editor, 0, "custom:Score"), field_row (editor, 0, "custom:Phone"),
                                 "drop-refused"));
  g_assert_true (find (editor, label_contains, "of the other app") != NULL);

  /* Map by keyboard: Score's “Map to…”, type to search, Enter. */
  button = by_focus_id (editor, "map:0:custom:Score");
  g_assert_true (GTK_IS_MENU_BUTTON (button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (button));
  g_assert_nonnull (popover);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (popover)) &&
                         find (GTK_WIDGET (popover), is_type, GSIZE_TO_POINTER (GTK_TYPE_SEARCH_ENTRY)) != NULL);
  search = find (GTK_WIDGET (popover), is_type, GSIZE_TO_POINTER (GTK_TYPE_SEARCH_ENTRY));
  list = find (GTK_WIDGET (popover), is_type, GSIZE_TO_POINTER (GTK_TYPE_LIST_BOX));
  g_assert_nonnull (search);
  g_assert_true (gtk_widget_has_focus (search) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), search));
  check_labels (GTK_WIDGET (popover));
  /* Joined is listed but cannot be chosen, with the reason. */
  {
    guint shown = 0;

    for (GtkWidget *r = gtk_widget_get_first_child (list); r != NULL; r = gtk_widget_get_next_sibling (r))
      if (g_str_equal (concord_mapping_candidate_row_get_other_key (CONCORD_MAPPING_CANDIDATE_ROW (r)), "custom:Joined"))
        {
          g_assert_false (gtk_widget_get_sensitive (r));
          g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (r)), ==,
                           "A number cannot be written to a date");
        }
    gtk_editable_set_text (GTK_EDITABLE (search), "poin");
    for (GtkWidget *r = gtk_widget_get_first_child (list); r != NULL; r = gtk_widget_get_next_sibling (r))
      if (gtk_widget_get_child_visible (r))
        {
          shown++;
          g_assert_cmpstr (concord_mapping_candidate_row_get_other_key (CONCORD_MAPPING_CANDIDATE_ROW (r)), ==, "custom:Points");
        }
    g_assert_cmpuint (shown, ==, 1);
  }
  g_signal_emit_by_name (search, "activate");
  assert_pair (setup, "custom:Score", "custom:Points", "both");
  CONCORD_TEST_WAIT_FOR (control (editor, "direction:custom:Score") != NULL &&
                         focus_within (window, by_focus_id (editor, "direction:custom:Score")));
  g_assert_false (gtk_widget_get_visible (problem));
  /* The focus stays with the new pair, for the keyboard user. */
  g_assert_true (focus_within (window, by_focus_id (editor, "direction:custom:Score")));

  /* A list to text: the separator is a format. */
  g_assert_true (simulate_drop (field_row (editor, 0, "tags"), field_row (editor, 1, "custom:Interests"),
                                "drop-highlight"));
  assert_pair (setup, "tags", "custom:Interests", "both");
  g_assert_false (json_object_has_member (stored_pair (setup, "tags"), "format"));
  CONCORD_TEST_WAIT_FOR (control (editor, "format:tags") != NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (by_focus_id (editor, "format:tags")), 1);
  g_assert_cmpstr (json_object_get_string_member (stored_pair (setup, "tags"), "format"), ==, "; ");

  /* Text to a date: the date format is a choice of the engine's formats. */
  g_assert_true (simulate_drop (field_row (editor, 0, "custom:Since"), field_row (editor, 1, "custom:Joined"),
                                "drop-highlight"));
  assert_pair (setup, "custom:Since", "custom:Joined", "both");
  CONCORD_TEST_WAIT_FOR (control (editor, "format:custom:Since") != NULL);
  {
    GtkDropDown *formats = GTK_DROP_DOWN (by_focus_id (editor, "format:custom:Since"));
    GListModel *model = gtk_drop_down_get_model (formats);

    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
    g_assert_cmpuint (gtk_drop_down_get_selected (formats), ==, 0);
    gtk_drop_down_set_selected (formats, 1);
    g_assert_cmpstr (json_object_get_string_member (stored_pair (setup, "custom:Since"), "format"), ==,
                     "DD/MM/YYYY");
    /* Still chosen once the lists are built again for the edit. */
    g_object_add_weak_pointer (G_OBJECT (formats), (gpointer *) &formats);
    CONCORD_TEST_WAIT_FOR (formats == NULL || !gtk_widget_is_ancestor (GTK_WIDGET (formats), editor));
    g_clear_weak_pointer (&formats);
    g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (by_focus_id (editor, "format:custom:Since"))), ==, 1);
    /* Another one replaces it. */
    gtk_drop_down_set_selected (GTK_DROP_DOWN (by_focus_id (editor, "format:custom:Since")), 3);
    g_assert_cmpstr (json_object_get_string_member (stored_pair (setup, "custom:Since"), "format"), ==,
                     "DD.MM.YYYY");
  }

  /* Mapping a field that is already mapped replaces its pair, with undo. */
  g_assert_true (simulate_drop (field_row (editor, 0, "custom:Phone"), pair_row (editor, "first_name"),
                                "drop-highlight"));
  assert_pair (setup, "custom:Phone", "custom:firstname", "both");
  g_assert_null (stored_pair (setup, "first_name"));
  CONCORD_TEST_WAIT_FOR (field_row (editor, 0, "first_name") != NULL);
  undo (editor);
  assert_pair (setup, "first_name", "custom:firstname", "both");
  g_assert_null (stored_pair (setup, "custom:Phone"));
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "first_name") != NULL);

  /* Direction: only from Shop to CRM. */
  button = by_focus_id (editor, "direction:first_name");
  g_autofree char *problem_text = gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                      "Direction of First name ⇄ firstname: both ways");
  g_assert_null (problem_text);
  check = flow_check (button, CONCORD_PAIR_FLOW_A_TO_B);
  changes_before = changes;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  assert_pair (setup, "first_name", "custom:firstname", "a-to-b");
  g_assert_cmpuint (changes, ==, changes_before + 1);
  CONCORD_TEST_WAIT_FOR (g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (
                           by_focus_id (editor, "direction:first_name"))), "go-next-symbolic") == 0);
  button = by_focus_id (editor, "direction:first_name");
  g_clear_pointer (&problem_text, g_free);
  problem_text = gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                     "Direction of First name ⇄ firstname: only from Shop to CRM");
  g_assert_null (problem_text);
  g_assert_cmpstr (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (button)), ==, "go-next-symbolic");
  /* and off */
  check = flow_check (button, CONCORD_PAIR_FLOW_OFF);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  assert_pair (setup, "first_name", "custom:firstname", "off");
  CONCORD_TEST_WAIT_FOR (gtk_widget_has_css_class (pair_row (editor, "first_name"), "mapping-flow-off"));

  /* A read-only field is never written: Created cannot sync back. */
  button = by_focus_id (editor, "direction:created_at");
  for (guint flow = 0; flow < 4; flow++)
    {
      check = flow_check (button, flow);
      g_assert_cmpint (gtk_widget_get_sensitive (check), ==,
                       flow == CONCORD_PAIR_FLOW_A_TO_B || flow == CONCORD_PAIR_FLOW_OFF);
    }

  /* Unmap, then undo. */
  row = pair_row (editor, "first_name");
  button = find (row, is_icon_button, "list-remove-symbolic");
  g_assert_nonnull (button);
  g_clear_pointer (&problem_text, g_free);
  problem_text = gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                     "Unmap First name ⇄ firstname");
  g_assert_null (problem_text);
  changes_before = changes;
  g_signal_emit_by_name (button, "clicked");
  g_assert_null (stored_pair (setup, "first_name"));
  g_assert_cmpint (concord_mapping_find (setup->config->mapping, CONCORD_SIDE_B, "custom:firstname"), <, 0);
  g_assert_cmpuint (changes, ==, changes_before + 1);
  CONCORD_TEST_WAIT_FOR (field_row (editor, 0, "first_name") != NULL);
  g_assert_nonnull (field_row (editor, 1, "custom:firstname"));
  g_assert_null (pair_row (editor, "first_name"));
  undo (editor);
  assert_pair (setup, "first_name", "custom:firstname", "off");
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "first_name") != NULL);

  /* A pick list: Plan onto Level, then its value map. */
  g_assert_true (simulate_drop (field_row (editor, 0, "custom:Plan"), field_row (editor, 1, "custom:Level"),
                                "drop-highlight"));
  assert_pair (setup, "custom:Plan", "custom:Level", "both");
  g_assert_null (values_dialog ());
  CONCORD_TEST_WAIT_FOR (control (editor, "values:custom:Plan") != NULL);
  g_signal_emit_by_name (by_focus_id (editor, "values:custom:Plan"), "clicked");
  CONCORD_TEST_WAIT_FOR (values_dialog () != NULL &&
                         find (GTK_WIDGET (values_dialog ()), has_value_widgets, NULL) != NULL);
  dialog = values_dialog ();
  {
    JsonObject *pair = stored_pair (setup, "custom:Plan");
    JsonArray *values = json_object_get_array_member (pair, "values");
    GtkWidget *pairs_list, *add, *warning, *rows[4] = { NULL, };
    guint n = 0;

    /* Suggested: equal names ignoring case; Enterprise has no match. */
    g_assert_nonnull (values);
    g_assert_cmpuint (json_array_get_length (values), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 0), "a"), ==, "Free");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 0), "b"), ==, "free");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 1), "a"), ==, "Pro");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 1), "b"), ==, "pro");

    pairs_list = gtk_widget_get_parent (find (GTK_WIDGET (dialog), has_value_widgets, NULL));
    {
      GtkWidget *content = find (GTK_WIDGET (dialog), is_type, GSIZE_TO_POINTER (ADW_TYPE_BUTTON_CONTENT));

      g_assert_nonnull (content);
      add = gtk_widget_get_parent (content);
    }
    g_assert_true (GTK_IS_BUTTON (add));
    g_assert_false (find (GTK_WIDGET (dialog), label_contains, "not one-to-one") != NULL);

    /* Add a pairing: the first values not paired yet, Enterprise ⇄ premium. */
    g_signal_emit_by_name (add, "clicked");
    values = json_object_get_array_member (stored_pair (setup, "custom:Plan"), "values");
    g_assert_cmpuint (json_array_get_length (values), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 2), "a"), ==, "Enterprise");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 2), "b"), ==, "premium");

    /* And another, made Enterprise ⇄ business with its drop-downs: two
     * values of Level become Enterprise: not one-to-one, said so. */
    g_signal_emit_by_name (add, "clicked");
    for (GtkWidget *r = gtk_widget_get_first_child (pairs_list); r != NULL; r = gtk_widget_get_next_sibling (r))
      {
        g_assert_cmpuint (n, <, G_N_ELEMENTS (rows));
        rows[n++] = r;
      }
    g_assert_cmpuint (n, ==, 4);
    gtk_drop_down_set_selected (g_object_get_data (G_OBJECT (rows[3]), "value-a"), 2);
    gtk_drop_down_set_selected (g_object_get_data (G_OBJECT (rows[3]), "value-b"), 3);
    values = json_object_get_array_member (stored_pair (setup, "custom:Plan"), "values");
    g_assert_cmpuint (json_array_get_length (values), ==, 4);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 3), "a"), ==, "Enterprise");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values, 3), "b"), ==, "business");
    warning = find (GTK_WIDGET (dialog), label_contains, "not one-to-one");
    g_assert_nonnull (warning);
    g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (warning)));
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (warning)), "Enterprise"));

    /* What other values of Shop become in CRM: premium. */
    {
      GtkWidget *combo = NULL;
      guint k = 0;

      for (GtkWidget *c = find (GTK_WIDGET (dialog), is_type, GSIZE_TO_POINTER (ADW_TYPE_COMBO_ROW)); c != NULL;
           c = gtk_widget_get_next_sibling (c))
        if (ADW_IS_COMBO_ROW (c) && k++ == 1)
          combo = c;
      g_assert_nonnull (combo);
      adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 3);   /* "Stay as they are", free, pro, premium */
      g_assert_cmpstr (json_object_get_string_member (stored_pair (setup, "custom:Plan"), "default_b"), ==, "premium");
      g_assert_false (json_object_has_member (stored_pair (setup, "custom:Plan"), "default_a"));
    }

    g_assert_cmpuint (check_labels (GTK_WIDGET (dialog)), >=, 12);
    gtk_window_set_default_size (GTK_WINDOW (dialog), 680, 640);
    screenshots (GTK_WIDGET (dialog), "value-map-editor");

    /* Removing the duplicate ends the warning. */
    g_signal_emit_by_name (find (rows[3], is_icon_button, "list-remove-symbolic"), "clicked");
    values = json_object_get_array_member (stored_pair (setup, "custom:Plan"), "values");
    g_assert_cmpuint (json_array_get_length (values), ==, 3);
    g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (warning)));
  }
  CONCORD_TEST_WAIT_FOR (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (by_focus_id (editor, "values:custom:Plan"))),
                                    "3 Values…") == 0);
  gtk_window_close (GTK_WINDOW (dialog));
  CONCORD_TEST_WAIT_FOR (values_dialog () == NULL);

  /* Every control is named, and reachable with Tab. */
  g_assert_cmpuint (check_labels (editor), >=, 30);
  g_assert_true (in_focus_chain (window, by_focus_id (editor, "direction:email")));
  g_assert_true (in_focus_chain (window, by_focus_id (editor, "format:tags")));
  g_assert_true (in_focus_chain (window, by_focus_id (editor, "values:custom:Plan")));
  g_assert_true (in_focus_chain (window, by_focus_id (editor, "map:1:custom:Assistant")));
  g_assert_true (in_focus_chain (window, find (pair_row (editor, "email"), is_icon_button, "list-remove-symbolic")));

  /* Mid-drag, for the screenshots: Phone over Assistant's number. */
  gtk_widget_add_css_class (field_row (editor, 0, "custom:Phone"), "drag-source");
  {
    GtkEventController *target = controller (field_row (editor, 1, "custom:Assistant"), GTK_TYPE_DROP_TARGET);
    GdkDragAction action;

    g_signal_emit_by_name (target, "enter", 10.0, 10.0, &action);
  }
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  {
    GtkWidget *scrolled = find (editor, is_type, GSIZE_TO_POINTER (GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    concord_test_spin (100);
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  }
  screenshots (window, "mapping-editor");

  /* Reset to automatic. */
  g_signal_emit_by_name (find (editor, is_type, GSIZE_TO_POINTER (GTK_TYPE_BUTTON)), "clicked");
  g_assert_true (setup->automatic);
  assert_pair (setup, "first_name", "custom:firstname", "both");
  g_assert_null (stored_pair (setup, "custom:Plan"));
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "custom:Plan") == NULL);

  /* Cleared: no setup, nothing to edit, nothing crashes. */
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), NULL, NULL, NULL);
  g_assert_null (pair_row (editor, "email"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A setup whose fields are gone from the schemas, and bad drops. */
static void
test_mapping_editor_robust (void)
{
  g_autoptr(ConcordConnectionSetup) setup = make_setup ();
  GtkWidget *editor = concord_mapping_editor_new ();
  GtkWidget *window = gtk_window_new ();
  GtkEventController *target;
  GValue value = G_VALUE_INIT;
  gboolean dropped = TRUE;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  concord_mapping_add (setup->config->mapping, "custom:Gone", CONCORD_FIELD_TYPE_STRING,
                       "custom:AlsoGone", CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  g_object_ref_sink (editor);
  gtk_window_set_child (GTK_WINDOW (window), editor);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), setup, "Shop", "CRM");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_nonnull (pair_row (editor, "custom:Gone"));
  g_assert_true (find (editor, label_contains, "not in Shop any more") != NULL);

  before = mapping_json (setup);
  target = controller (field_row (editor, 1, "custom:Joined"), GTK_TYPE_DROP_TARGET);
  g_value_init (&value, G_TYPE_STRING);
  for (guint i = 0; i < 4; i++)
    {
      const char *junk[] = { "", "7:birthday", "0:", "0:custom:NoSuchField" };

      g_value_set_string (&value, junk[i]);
      g_signal_emit_by_name (target, "drop", &value, 1.0, 1.0, &dropped);
      g_assert_false (dropped);
    }
  g_value_unset (&value);
  after = mapping_json (setup);
  g_assert_cmpstr (before, ==, after);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (editor);
}

/* A pair whose types only convert lossily is accepted, with a warning
 * that says why: an icon with the reason as tooltip and accessible
 * description, and a line of text. A pair of texts has none. */
static void
test_lossy_pair (void)
{
  g_autoptr(ConcordConnectionSetup) setup = make_setup ();
  GtkWidget *editor = concord_mapping_editor_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *row, *icon, *label;
  g_autofree char *problem = NULL;

  g_ptr_array_add (setup->fields[1], spec ("custom:City", "City", CONCORD_FIELD_TYPE_STRING, FALSE, NULL));
  g_assert_cmpint (concord_mapping_find (setup->config->mapping, CONCORD_SIDE_A, "custom:Score"), <, 0);
  concord_mapping_add (setup->config->mapping, "custom:Score", CONCORD_FIELD_TYPE_NUMBER,
                       "custom:City", CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  g_object_ref_sink (editor);
  gtk_window_set_child (GTK_WINDOW (window), editor);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), setup, "Shop", "CRM");
  gtk_window_present (GTK_WINDOW (window));
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "custom:Score") != NULL);

  /* Accepted: the pair is stored. */
  assert_pair (setup, "custom:Score", "custom:City", "both");

  /* Number → city is fine; city → number loses every city. */
  row = pair_row (editor, "custom:Score");
  icon = shown_named (row, "pair-loss-icon");
  label = shown_named (row, "pair-loss-label");
  g_assert_nonnull (icon);
  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==,
                   "From CRM to Shop: Only text that is a number is written; anything else, like a city or a "
                   "name, is left out.");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (icon), ==, gtk_label_get_label (GTK_LABEL (label)));
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                                gtk_label_get_label (GTK_LABEL (label)));
  g_assert_null (problem);
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                "Values may be lost");
  g_assert_null (problem);

  /* Names onto names: nothing to say. */
  row = pair_row (editor, "first_name");
  g_assert_nonnull (row);
  g_assert_null (shown_named (row, "pair-loss-icon"));
  g_assert_null (shown_named (row, "pair-loss-label"));

  /* One way, from the number to the city: nothing is lost either. */
  concord_mapping_set_flow (setup->config->mapping,
                            concord_mapping_find (setup->config->mapping, CONCORD_SIDE_A, "custom:Score"),
                            CONCORD_PAIR_FLOW_A_TO_B);
  concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), setup, "Shop", "CRM");
  CONCORD_TEST_WAIT_FOR (pair_row (editor, "custom:Score") != NULL);
  g_assert_null (shown_named (pair_row (editor, "custom:Score"), "pair-loss-label"));

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      concord_mapping_set_flow (setup->config->mapping,
                                concord_mapping_find (setup->config->mapping, CONCORD_SIDE_A, "custom:Score"),
                                CONCORD_PAIR_FLOW_BOTH);
      concord_mapping_editor_set_setup (CONCORD_MAPPING_EDITOR (editor), setup, "Shop", "CRM");
      gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
      CONCORD_TEST_WAIT_FOR (pair_row (editor, "custom:Score") != NULL);
      gtk_widget_grab_focus (by_focus_id (editor, "direction:custom:Score"));
      concord_test_save_window (window, "mapping-lossy-pair.png", 800);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (editor);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_test_register_resources ();

  g_test_add_func ("/concord/ui/mapping-editor", test_mapping_editor);
  g_test_add_func ("/concord/ui/mapping-editor/robust", test_mapping_editor_robust);
  g_test_add_func ("/concord/ui/mapping-editor/lossy-pair", test_lossy_pair);

  return g_test_run ();
}
