/* concord-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-error"

#include "config.h"

#include <gio/gio.h>

#include "concord-error.h"

G_DEFINE_QUARK (concord-error-quark, concord_error)

/**
 * concord_error_is_transient:
 * @error: (nullable): an error
 *
 * Whether retrying the same operation later may succeed: rate limits, server
 * errors and network trouble are transient; a refused key or bad data is not.
 *
 * Returns: %TRUE when a later retry makes sense
 */
gboolean
concord_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain == CONCORD_ERROR)
    {
      switch ((ConcordError) error->code)
        {
        case CONCORD_ERROR_NETWORK:
        case CONCORD_ERROR_RATE_LIMITED:
        case CONCORD_ERROR_SERVER:
        case CONCORD_ERROR_BUSY:
          return TRUE;

        case CONCORD_ERROR_FAILED:
        case CONCORD_ERROR_AUTH_REQUIRED:
        case CONCORD_ERROR_AUTH_FAILED:
        case CONCORD_ERROR_PARSE:
        case CONCORD_ERROR_CONFLICT:
        case CONCORD_ERROR_NOT_FOUND:
        case CONCORD_ERROR_KEYRING:
        case CONCORD_ERROR_INVALID:
        case CONCORD_ERROR_AUTH_EXPIRED:
        case CONCORD_ERROR_INVALID_DATA:
        case CONCORD_ERROR_REFUSED:
        case CONCORD_ERROR_QUOTA:
        case CONCORD_ERROR_TOO_LARGE:
        case CONCORD_ERROR_PROTOCOL:
        case CONCORD_ERROR_AMBIGUOUS:
        case CONCORD_ERROR_CANCELLED:
        default:
          return FALSE;
        }
    }

  if (error->domain == G_IO_ERROR)
    return error->code != G_IO_ERROR_CANCELLED &&
           error->code != G_IO_ERROR_NOT_SUPPORTED &&
           error->code != G_IO_ERROR_INVALID_ARGUMENT &&
           error->code != G_IO_ERROR_INVALID_DATA;

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;

  return FALSE;
}
