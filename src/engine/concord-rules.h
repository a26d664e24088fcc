/* concord-rules.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-filter.h"
#include "concord-mapping.h"
#include "concord-record.h"

G_BEGIN_DECLS

/**
 * ConcordActionKind:
 * @CONCORD_ACTION_SET: set a field (status, a default field, a custom
 *   field) to a value; an empty value clears it
 * @CONCORD_ACTION_ADD: add a member to a list or tag field
 * @CONCORD_ACTION_REMOVE: remove a member from a list or tag field
 */
typedef enum
{
  CONCORD_ACTION_SET,
  CONCORD_ACTION_ADD,
  CONCORD_ACTION_REMOVE,
} ConcordActionKind;

const char *concord_action_kind_to_string   (ConcordActionKind  kind);
gboolean    concord_action_kind_from_string (const char        *name,
                                             ConcordActionKind *kind);

/**
 * ConcordAction:
 *
 * What a rule does to the target record: on create always, and on every
 * update of the pair when @on_update is set.
 */
typedef struct
{
  ConcordActionKind kind;
  char             *field;
  GQuark            key;
  ConcordFieldType  type;
  char             *value;
  gboolean          on_update;

  /*< private >*/
  ConcordValue      parsed;     /* @value as @type; type 0 and no text when empty */
} ConcordAction;

ConcordAction *concord_action_new      (ConcordActionKind    kind,
                                        const char          *field,
                                        ConcordFieldType     type,
                                        const char          *value,
                                        gboolean             on_update,
                                        GError             **error);
ConcordAction *concord_action_copy     (const ConcordAction *action);
void           concord_action_free     (ConcordAction       *action);
gboolean       concord_action_apply    (const ConcordAction *action,
                                        const ConcordValue  *current,
                                        ConcordValue        *out);
char          *concord_action_describe (const ConcordAction *action);

/**
 * ConcordRule:
 *
 * The connection rule of one direction: whether it is on, which records
 * of the source side it takes in (a filter; none: all), what it does to
 * the target (actions), and whether it may create contacts there.
 *
 * A rule switched off still lets linked contacts update that way: it
 * creates nothing, filters nothing and acts on nothing.
 */
typedef struct _ConcordRule ConcordRule;

ConcordRule         *concord_rule_new           (void);
ConcordRule         *concord_rule_copy          (const ConcordRule   *self);
ConcordRule         *concord_rule_ref           (ConcordRule         *self);
void                 concord_rule_unref         (ConcordRule         *self);

gboolean             concord_rule_get_enabled   (const ConcordRule   *self);
void                 concord_rule_set_enabled   (ConcordRule         *self,
                                                 gboolean             enabled);
gboolean             concord_rule_get_create    (const ConcordRule   *self);
void                 concord_rule_set_create    (ConcordRule         *self,
                                                 gboolean             create);
ConcordFilter       *concord_rule_get_filter    (const ConcordRule   *self);
void                 concord_rule_set_filter    (ConcordRule         *self,
                                                 ConcordFilter       *filter);
guint                concord_rule_get_n_actions (const ConcordRule   *self);
const ConcordAction *concord_rule_get_action    (const ConcordRule   *self,
                                                 guint                index);
void                 concord_rule_add_action    (ConcordRule         *self,
                                                 ConcordAction       *action);
void                 concord_rule_remove_action (ConcordRule         *self,
                                                 guint                index);
gboolean             concord_rule_is_default    (const ConcordRule   *self);

gboolean             concord_rule_in_scope      (const ConcordRule   *self,
                                                 const ConcordRecord *record);
char                *concord_rule_explain       (const ConcordRule   *self,
                                                 const ConcordRecord *record);
gboolean             concord_rule_scope         (const ConcordRecord *record,
                                                 gpointer             rule);

JsonNode            *concord_rule_to_json       (const ConcordRule   *self);
ConcordRule         *concord_rule_new_from_json (JsonNode            *node,
                                                 const char          *path,
                                                 GError             **error);

/**
 * ConcordConnectionConfig:
 *
 * What a connection stores as its versioned JSON document: the rule of
 * each direction (rules[X] is the rule of the direction from X) and the
 * field mapping (%NULL: automatic, made from both schemas at each run).
 */
typedef struct
{
  ConcordRule    *rules[2];
  ConcordMapping *mapping;
} ConcordConnectionConfig;

#define CONCORD_CONNECTION_CONFIG_VERSION 1
/* The largest rules and mapping document read (imported or stored). */
#define CONCORD_CONNECTION_CONFIG_MAX_BYTES (1024 * 1024)

ConcordConnectionConfig *concord_connection_config_new       (void);
void                     concord_connection_config_free      (ConcordConnectionConfig *config);
ConcordConnectionConfig *concord_connection_config_new_from_json (const char          *json,
                                                              GError             **error);
char                    *concord_connection_config_to_json   (const ConcordConnectionConfig *config,
                                                              const ConcordMapping *resolved);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordAction, concord_action_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordRule, concord_rule_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordConnectionConfig, concord_connection_config_free)

G_END_DECLS
