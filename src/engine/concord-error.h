/* concord-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "concord-types.h"

G_BEGIN_DECLS

/**
 * ConcordError:
 *
 * The one error domain of the core. Messages are English, for logs and the
 * "Details" view, and never contain API keys or contact data. What people
 * read is made from the code (concord_error_explain()), never from the
 * message: no code path recognises an error by its wording.
 *
 * Each code has a stable nick, stored in the journal and the runs
 * (concord_error_to_nick(), concord_error_from_nick()); the numbers are not
 * stored and never change meaning either. An error of this domain carries
 * the side it came from and, for %CONCORD_ERROR_INVALID_DATA, the field
 * (concord_error_set_side(), concord_error_set_field()).
 *
 * | Code           | Nick           | HTTP        | What people are told to do          |
 * |----------------|----------------|-------------|-------------------------------------|
 * | FAILED         | failed         | other 4xx   | nothing; the next sync tries again  |
 * | NETWORK        | network        | (no answer) | check the connection; retried       |
 * | AUTH_REQUIRED  | auth-required  |             | add the key in Preferences          |
 * | AUTH_FAILED    | auth-failed    | 401, 403    | replace the key in Preferences      |
 * | RATE_LIMITED   | rate-limited   | 429         | nothing; Concord waits and retries  |
 * | SERVER         | server         | 5xx         | nothing; retried on the next sync   |
 * | PARSE          | parse          | 2xx garbled | retried; report if it keeps failing |
 * | CONFLICT       | conflict       | 409, 412    | nothing; read again and retried     |
 * | NOT_FOUND      | not-found      | 404, 410    | nothing; the contact was deleted    |
 * | KEYRING        | keyring        |             | unlock the keyring                  |
 * | INVALID        | invalid        | 400         | check the connection's settings     |
 * | BUSY           | busy           | 423         | nothing; waits for the other run    |
 * | AUTH_EXPIRED   | auth-expired   | 401 (OAuth) | sign in again                       |
 * | INVALID_DATA   | invalid-data   | 400, 422    | correct the field in the app        |
 * | REFUSED        | refused        | 403 (rule)  | change the contact in the app       |
 * | QUOTA          | quota          | 402         | raise the plan or free space        |
 * | TOO_LARGE      | too-large      | 413, 414    | nothing; sent in smaller parts      |
 * | PROTOCOL       | protocol       | 3xx away    | report it                           |
 * | AMBIGUOUS      | ambiguous      |             | merge the duplicates                |
 * | CANCELLED      | cancelled      |             | nothing                             |
 *
 * Errors of other domains map to a code when stored (concord_error_code_of()):
 * %G_IO_ERROR_CANCELLED to %CONCORD_ERROR_CANCELLED, network #GIOErrorEnum
 * and #GResolverError codes to %CONCORD_ERROR_NETWORK.
 */
typedef enum
{
  CONCORD_ERROR_FAILED,
  CONCORD_ERROR_NETWORK,
  CONCORD_ERROR_AUTH_REQUIRED,
  CONCORD_ERROR_AUTH_FAILED,
  CONCORD_ERROR_RATE_LIMITED,
  CONCORD_ERROR_SERVER,
  CONCORD_ERROR_PARSE,
  CONCORD_ERROR_CONFLICT,
  CONCORD_ERROR_NOT_FOUND,
  CONCORD_ERROR_KEYRING,
  CONCORD_ERROR_INVALID,
  CONCORD_ERROR_BUSY,
  CONCORD_ERROR_AUTH_EXPIRED,
  CONCORD_ERROR_INVALID_DATA,
  CONCORD_ERROR_REFUSED,
  CONCORD_ERROR_QUOTA,
  CONCORD_ERROR_TOO_LARGE,
  CONCORD_ERROR_PROTOCOL,
  CONCORD_ERROR_AMBIGUOUS,
  CONCORD_ERROR_CANCELLED,
} ConcordError;

#define CONCORD_ERROR (concord_error_quark ())

/* concord_error_get_side() of an error that names no side. */
#define CONCORD_ERROR_NO_SIDE (-1)

GQuark       concord_error_quark          (void);
gboolean     concord_error_is_transient   (const GError *error);

const char  *concord_error_to_nick        (ConcordError  code);
gboolean     concord_error_from_nick      (const char   *nick,
                                           ConcordError *code);
ConcordError concord_error_code_of        (const GError *error);

void         concord_error_set_side       (GError       *error,
                                           ConcordSide   side);
int          concord_error_get_side       (const GError *error);
void         concord_error_set_field      (GError       *error,
                                           const char   *field);
const char  *concord_error_get_field      (const GError *error);
void         concord_error_tag_side       (GError      **error,
                                           ConcordSide   side);

gboolean     concord_error_is_key_problem (ConcordError  code);
void         concord_error_explain        (ConcordError  code,
                                           const char   *app_name,
                                           const char   *field_label,
                                           char        **title,
                                           char        **fix);

G_END_DECLS
