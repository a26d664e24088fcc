/* concord-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConcordError:
 * @CONCORD_ERROR_FAILED: generic failure
 * @CONCORD_ERROR_NETWORK: the app could not be reached
 * @CONCORD_ERROR_AUTH_REQUIRED: no credentials are stored for the account
 * @CONCORD_ERROR_AUTH_FAILED: the app refused the credentials
 * @CONCORD_ERROR_RATE_LIMITED: the app asked us to slow down (429)
 * @CONCORD_ERROR_SERVER: the app failed (5xx)
 * @CONCORD_ERROR_PARSE: the app sent something we cannot read
 * @CONCORD_ERROR_CONFLICT: the write conflicts with the app's state
 * @CONCORD_ERROR_NOT_FOUND: the record or resource does not exist
 * @CONCORD_ERROR_KEYRING: the system keyring is missing or locked
 * @CONCORD_ERROR_INVALID: invalid input (configuration, arguments, data)
 * @CONCORD_ERROR_BUSY: another run of the same connection is going, in this
 *   or another process (the app and concord-cli share the store)
 * @CONCORD_ERROR_AUTH_EXPIRED: the credentials were good but have expired
 *   (an OAuth 2 token that could not be refreshed)
 * @CONCORD_ERROR_INVALID_DATA: the app refused a record's value; the error's
 *   field (field names the field when known
 * @CONCORD_ERROR_REFUSED: the app's own rules refused the change (a
 *   suppressed address, a locked record, a forbidden operation)
 * @CONCORD_ERROR_QUOTA: the account's plan or quota is exhausted
 * @CONCORD_ERROR_TOO_LARGE: the request or answer is larger than allowed
 * @CONCORD_ERROR_PROTOCOL: the app answered in a way its API does not
 *   allow (a redirect to another origin, a page that never ends)
 * @CONCORD_ERROR_AMBIGUOUS: several contacts share an address, so the
 *   record cannot be matched without the user's review
 * @CONCORD_ERROR_CANCELLED: the operation was cancelled
 *
 * The one error domain of the core. Messages are English, for logs and the
 * "Details" view, and never contain API keys or contact data.
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

GQuark       concord_error_quark          (void);
gboolean     concord_error_is_transient   (const GError *error);

G_END_DECLS
