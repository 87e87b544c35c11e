/*
 * test-msisdn.c: phone numbers to E.164 digits (msisdn.c), table-driven.
 */
#include "config.h"

#include <string.h>

#include "identity/msisdn.h"
#include "test.h"

static const struct {
	const char *country, *phone, *want;	/* want NULL: rejected */
	int code;				/* enum mxg_msisdn_err when rejected */
} cases[] = {
	{ "GB", "07700 900123", "447700900123", 0 },
	{ "gb", "(07700) 900-123", "447700900123", 0 },
	{ "GB", "+44 7700 900123", "447700900123", 0 },
	{ "GB", "0044 7700 900123", "447700900123", 0 },
	{ "US", "(415) 555-0100", "14155550100", 0 },
	{ "US", "1 415 555 0100", "14155550100", 0 },
	{ "US", "+1-415-555-0100", "14155550100", 0 },
	{ "CA", "604.555.0100", "16045550100", 0 },
	{ "US", "555-0100", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "DE", "030 123456", "4930123456", 0 },
	{ "FR", "06 12 34 56 78", "33612345678", 0 },
	{ "IT", "06 1234 5678", "390612345678", 0 },	/* Italy keeps the 0 */
	{ "ES", "612 345 678", "34612345678", 0 },
	{ "NL", "06-12345678", "31612345678", 0 },
	{ "HU", "06 20 123 4567", "36201234567", 0 },
	{ "XX", "07700 900123", NULL, MXG_MSISDN_ERR_COUNTRY },
	{ "GBR", "07700 900123", NULL, MXG_MSISDN_ERR_COUNTRY },
	{ NULL, "07700 900123", NULL, MXG_MSISDN_ERR_COUNTRY },
	{ "XX", "+44 7700 900123", "447700900123", 0 },	/* international: no country needed */
	{ "GB", "0770O 900123", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "GB", "+44 7700 900123 4567 8", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "GB", "+0447700900123", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "GB", "", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "GB", "12", NULL, MXG_MSISDN_ERR_NUMBER },
	{ "GB", "1234567890123456789012345678901234567890123456789012345678901234567",
	  NULL, MXG_MSISDN_ERR_NUMBER },
};

int main(void)
{
	char out[MXG_MSISDN_MAX + 1];
	struct mxg_error err;

	test_begin("normalise");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mxg_msisdn_normalize(cases[i].country, cases[i].phone, out, &err);

		if (cases[i].want != NULL) {
			test_assert_idx(rc == 0, i);
			test_assert_idx(rc == 0 && strcmp(out, cases[i].want) == 0, i);
		} else {
			test_assert_idx(rc < 0 && err.code == cases[i].code, i);
		}
	}
	test_end();

	test_begin("calling codes");
	test_assert_streq(mxg_msisdn_calling_code("GB"), "44");
	test_assert_streq(mxg_msisdn_calling_code("us"), "1");
	test_assert_streq(mxg_msisdn_calling_code("DE"), "49");
	test_assert(mxg_msisdn_calling_code("ZZ") == NULL);
	test_assert(mxg_msisdn_calling_code("") == NULL);
	test_end();

	test_begin("national forms, and back");
	{
		static const struct { const char *country, *e164, *national; } nat[] = {
			{ "GB", "447800801995", "07800801995" },
			{ "gb", "442079460000", "02079460000" },
			{ "US", "12025550143", "2025550143" },
			{ "IT", "390612345678", "0612345678" },	/* the 0 is the number's */
			{ "HU", "3612345678", "0612345678" },	/* trunk "06" */
			{ "DE", "4930123456", "030123456" },
		};
		char nout[MXG_MSISDN_MAX + 3], back[MXG_MSISDN_MAX + 1];

		for (size_t i = 0; i < sizeof(nat) / sizeof(nat[0]); i++) {
			test_assert_idx(mxg_msisdn_national(nat[i].country, nat[i].e164, nout) == 0, i);
			test_assert_idx(strcmp(nout, nat[i].national) == 0, i);
			test_assert_idx(mxg_msisdn_normalize(nat[i].country, nout, back, &err) == 0 &&
					strcmp(back, nat[i].e164) == 0, i);
		}
		test_assert(mxg_msisdn_national("GB", "4930123456", nout) == -1);	/* German */
		test_assert(mxg_msisdn_national("ZZ", "447800801995", nout) == -1);
		test_assert(mxg_msisdn_national("GB", "44", nout) == -1);
		test_assert(mxg_msisdn_national(NULL, "447800801995", nout) == -1);
	}
	test_end();
	return test_done("test-msisdn");
}
