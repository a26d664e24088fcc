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
 * One rule of a direction: IF its conditions (a filter; none: every
 * contact) match a contact of the source side, THEN its actions apply to
 * the target contact; with its "sync" switch on, a match also lets the
 * contact go across. A rule switched off does nothing at all. The rules
 * of a direction are a #ConcordRuleList.
 */
typedef struct _ConcordRule ConcordRule;

ConcordRule         *concord_rule_new           (void);
ConcordRule         *concord_rule_copy          (const ConcordRule   *self);
ConcordRule         *concord_rule_ref           (ConcordRule         *self);
void                 concord_rule_unref         (ConcordRule         *self);

const char          *concord_rule_get_name      (const ConcordRule   *self);
void                 concord_rule_set_name      (ConcordRule         *self,
                                                 const char          *name);
char                *concord_rule_get_label     (const ConcordRule   *self,
                                                 guint                index);
gboolean             concord_rule_get_enabled   (const ConcordRule   *self);
void                 concord_rule_set_enabled   (ConcordRule         *self,
                                                 gboolean             enabled);
gboolean             concord_rule_get_sync      (const ConcordRule   *self);
void                 concord_rule_set_sync      (ConcordRule         *self,
                                                 gboolean             sync);
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

gboolean             concord_rule_matches       (const ConcordRule   *self,
                                                 const ConcordRecord *record,
                                                 gint64               now);
char                *concord_rule_explain       (const ConcordRule   *self,
                                                 const ConcordRecord *record,
                                                 gint64               now);
char                *concord_rule_describe      (const ConcordRule   *self);

JsonNode            *concord_rule_to_json       (const ConcordRule   *self);
ConcordRule         *concord_rule_new_from_json (JsonNode            *node,
                                                 const char          *path,
                                                 GError             **error);

/**
 * ConcordUnmatched:
 * @CONCORD_UNMATCHED_STOP: a paired contact that no longer matches any
 *   rule that syncs stops being updated that way (the default)
 * @CONCORD_UNMATCHED_KEEP: it keeps being updated that way
 *
 * What happens to paired contacts that stop matching a direction's rules.
 */
typedef enum
{
  CONCORD_UNMATCHED_STOP,
  CONCORD_UNMATCHED_KEEP,
} ConcordUnmatched;

const char *concord_unmatched_to_string   (ConcordUnmatched  unmatched);
gboolean    concord_unmatched_from_string (const char       *name,
                                           ConcordUnmatched *unmatched);

/**
 * ConcordRuleList:
 *
 * The rules of one direction, in order, and the direction's own
 * switches: on/off, "create contacts", and what happens to paired contacts
 * that stop matching.
 *
 * A contact of the source side goes across when ANY enabled rule whose
 * sync switch is on matches it; the actions of EVERY enabled rule that
 * matches apply, in order (a later one wins on the same field). A
 * direction switched off creates nothing, holds nothing back and acts on
 * nothing: linked contacts keep updating that way.
 */
typedef struct _ConcordRuleList ConcordRuleList;

ConcordRuleList  *concord_rule_list_new           (void);
ConcordRuleList  *concord_rule_list_copy          (const ConcordRuleList *self);
ConcordRuleList  *concord_rule_list_ref           (ConcordRuleList       *self);
void              concord_rule_list_unref         (ConcordRuleList       *self);

gboolean          concord_rule_list_get_enabled   (const ConcordRuleList *self);
void              concord_rule_list_set_enabled   (ConcordRuleList       *self,
                                                   gboolean               enabled);
gboolean          concord_rule_list_get_create    (const ConcordRuleList *self);
void              concord_rule_list_set_create    (ConcordRuleList       *self,
                                                   gboolean               create);
ConcordUnmatched  concord_rule_list_get_unmatched (const ConcordRuleList *self);
void              concord_rule_list_set_unmatched (ConcordRuleList       *self,
                                                   ConcordUnmatched       unmatched);

guint             concord_rule_list_get_n_rules   (const ConcordRuleList *self);
ConcordRule      *concord_rule_list_get_rule      (const ConcordRuleList *self,
                                                   guint                  index);
void              concord_rule_list_insert        (ConcordRuleList       *self,
                                                   int                    position,
                                                   ConcordRule           *rule);
void              concord_rule_list_remove        (ConcordRuleList       *self,
                                                   guint                  index);
void              concord_rule_list_move          (ConcordRuleList       *self,
                                                   guint                  from,
                                                   guint                  to);
gboolean          concord_rule_list_is_default    (const ConcordRuleList *self);

gboolean          concord_rule_list_holds_back    (const ConcordRuleList *self);
gboolean          concord_rule_list_in_scope      (const ConcordRuleList *self,
                                                   const ConcordRecord   *record);
int               concord_rule_list_first_match   (const ConcordRuleList *self,
                                                   const ConcordRecord   *record,
                                                   gint64                 now);
char             *concord_rule_list_explain       (const ConcordRuleList *self,
                                                   const ConcordRecord   *record);
gboolean          concord_rule_list_scope         (const ConcordRecord   *record,
                                                   gpointer               list);

JsonNode         *concord_rule_list_to_json       (const ConcordRuleList *self);
ConcordRuleList  *concord_rule_list_new_from_json (JsonNode              *node,
                                                   const char            *path,
                                                   GError               **error);

/**
 * ConcordConnectionConfig:
 *
 * What a connection stores as its versioned JSON document: the rules of
 * each direction (rules[X] are the rules of the direction from X) and the
 * field mapping (%NULL: automatic, made from both schemas at each run).
 */
typedef struct
{
  ConcordRuleList *rules[2];
  ConcordMapping  *mapping;
} ConcordConnectionConfig;

/* Version 2: a direction holds a list of rules. Version 1 (one rule per
 * direction) is still read, as the same list of one rule. */
#define CONCORD_CONNECTION_CONFIG_VERSION 2
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordRuleList, concord_rule_list_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordConnectionConfig, concord_connection_config_free)

G_END_DECLS
