/*
 * msisdn.c: phone numbers to E.164 digits (see msisdn.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "identity/msisdn.h"

struct country {
	char iso[3];
	const char *code;	/* calling code */
	const char *trunk;	/* national trunk prefix dropped before the code */
};

/* Sorted by ISO code.  Italy and San Marino keep their leading 0 (it is
 * part of the number); NANP numbers may be typed with the trunk "1". */
static const struct country countries[] = {
	{ "AT", "43", "0" }, { "AU", "61", "0" }, { "BE", "32", "0" },
	{ "BG", "359", "0" }, { "BR", "55", "0" }, { "CA", "1", "1" },
	{ "CH", "41", "0" }, { "CN", "86", "0" }, { "CY", "357", "" },
	{ "CZ", "420", "" }, { "DE", "49", "0" }, { "DK", "45", "" },
	{ "EE", "372", "" }, { "ES", "34", "" }, { "FI", "358", "0" },
	{ "FR", "33", "0" }, { "GB", "44", "0" }, { "GR", "30", "" },
	{ "HK", "852", "" }, { "HR", "385", "0" }, { "HU", "36", "06" },
	{ "IE", "353", "0" }, { "IL", "972", "0" }, { "IN", "91", "0" },
	{ "IS", "354", "" }, { "IT", "39", "" }, { "JP", "81", "0" },
	{ "KR", "82", "0" }, { "LT", "370", "8" }, { "LU", "352", "" },
	{ "LV", "371", "" }, { "MT", "356", "" }, { "MX", "52", "" },
	{ "NL", "31", "0" }, { "NO", "47", "" }, { "NZ", "64", "0" },
	{ "PL", "48", "" }, { "PR", "1", "1" }, { "PT", "351", "" },
	{ "RO", "40", "0" }, { "RU", "7", "8" }, { "SE", "46", "0" },
	{ "SG", "65", "" }, { "SI", "386", "0" }, { "SK", "421", "0" },
	{ "SM", "378", "" }, { "TR", "90", "0" }, { "UA", "380", "0" },
	{ "US", "1", "1" }, { "ZA", "27", "0" },
};

static const struct country *find_country(const char *iso)
{
	char up[3];

	if (iso == NULL || strlen(iso) != 2 || !isalpha((unsigned char)iso[0]) ||
	    !isalpha((unsigned char)iso[1]))
		return NULL;
	up[0] = (char)toupper((unsigned char)iso[0]);
	up[1] = (char)toupper((unsigned char)iso[1]);
	up[2] = '\0';
	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		if (strcmp(countries[i].iso, up) == 0)
			return &countries[i];
	return NULL;
}

const char *mxg_msisdn_calling_code(const char *country)
{
	const struct country *c = find_country(country);

	return c != NULL ? c->code : NULL;
}

int mxg_msisdn_national(const char *country, const char *e164, char out[MXG_MSISDN_MAX + 3])
{
	const struct country *c = find_country(country);
	size_t code_len;
	bool nanp;

	out[0] = '\0';
	if (c == NULL || e164 == NULL || strlen(e164) > MXG_MSISDN_MAX)
		return -1;
	code_len = strlen(c->code);
	if (strncmp(e164, c->code, code_len) != 0 || e164[code_len] == '\0')
		return -1;
	/* A NANP trunk "1" is dialled but seldom written down. */
	nanp = strcmp(c->code, "1") == 0;
	strcpy(out, nanp ? "" : c->trunk);
	strcat(out, e164 + code_len);
	return 0;
}

int mxg_msisdn_normalize(const char *country, const char *phone,
			 char out[MXG_MSISDN_MAX + 1], struct mxg_error *err)
{
	char digits[64];
	size_t n = 0, skip = 0;
	bool plus = false;
	const struct country *c;
	const char *p;

	out[0] = '\0';
	if (phone == NULL)
		return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER, "no phone number");
	p = phone;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		plus = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof(digits))
				return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER, "too many digits");
			digits[n++] = *p;
		} else if (strchr(" \t.-()/", *p) == NULL) {
			return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER,
					     "unexpected character in the phone number");
		}
	}
	digits[n] = '\0';
	if (!plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
		plus = true;	/* the international call prefix most countries use */
		skip = 2;
	}
	if (plus) {
		if (n - skip < 7 || n - skip > MXG_MSISDN_MAX || digits[skip] == '0')
			return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER,
					     "not an international phone number");
		memcpy(out, digits + skip, n - skip + 1);
		return 0;
	}
	c = find_country(country);
	if (c == NULL)
		return mxg_error_set(err, MXG_MSISDN_ERR_COUNTRY, "unknown country");
	skip = strlen(c->trunk);
	/* NANP: "1" is a trunk only on 11-digit numbers; elsewhere the
	 * trunk must be there to be dropped. */
	if (skip == 0 || strncmp(digits, c->trunk, skip) != 0 ||
	    (strcmp(c->code, "1") == 0 && n != 11))
		skip = 0;
	if (n - skip < 4 || strlen(c->code) + n - skip > MXG_MSISDN_MAX)
		return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER, "not a phone number");
	if (strcmp(c->code, "1") == 0 && n - skip != 10)
		return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER,
				     "North American numbers have 10 digits");
	strcpy(out, c->code);
	strcat(out, digits + skip);
	if (strlen(out) < 8)
		return mxg_error_set(err, MXG_MSISDN_ERR_NUMBER, "not a phone number");
	return 0;
}
