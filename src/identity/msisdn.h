/*
 * msisdn.h: a phone number as typed (country + national or international
 * number) to E.164 digits without '+', for POST /validate/msisdn/requestToken.
 *
 * Not libphonenumber: punctuation is stripped, "+" or "00" starts an
 * international number (the country is then not needed), anything else is a
 * national number: its trunk prefix is dropped and the country's calling
 * code put in front, from a compact table of the countries supported.
 */
#ifndef MXG_IDENTITY_MSISDN_H
#define MXG_IDENTITY_MSISDN_H

#include <stddef.h>

#include "core/error.h"

#define MXG_MSISDN_MAX 15	/* E.164 digits */

enum mxg_msisdn_err {
	MXG_MSISDN_ERR_COUNTRY = 1,	/* unknown or malformed country */
	MXG_MSISDN_ERR_NUMBER,		/* not a phone number */
};

/* The calling code ("44") of an ISO 3166 alpha-2 country (any case), or
 * NULL when the country is not in the table. */
const char *mxg_msisdn_calling_code(const char *country);

/*
 * The national form of E.164 digits e164 in country, as people there write
 * it without punctuation: the trunk prefix and the number after the calling
 * code ("447700900123" in GB is "07700900123"; NANP numbers without their
 * "1").  Directories often hold phones that way.  Returns 0, or -1 when
 * the country is unknown or the number is not one of its.
 */
int mxg_msisdn_national(const char *country, const char *e164,
			char out[MXG_MSISDN_MAX + 3]);

/*
 * Normalise phone in country into out (MXG_MSISDN_MAX + 1 bytes).  Returns
 * 0, or -1 with err (code enum mxg_msisdn_err).  country may be NULL when
 * the number is international.
 */
int mxg_msisdn_normalize(const char *country, const char *phone,
			 char out[MXG_MSISDN_MAX + 1], struct mxg_error *err);

#endif
