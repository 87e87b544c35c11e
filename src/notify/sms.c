/*
 * sms.c: SMS through an HTTP gateway with libcurl (see sms.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/mxconfig.h"
#include "http/client.h"
#include "notify/sms.h"

/* The gateway's answer is not needed: read and drop it. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static void append_field(struct mxg_buf *b, CURL *c, const char *name, const char *value)
{
	char *esc = curl_easy_escape(c, value, 0);

	if (b->len > 0)
		mxg_buf_append_str(b, "&");
	mxg_buf_append_str(b, name);
	mxg_buf_append_str(b, "=");
	mxg_buf_append_str(b, esc != NULL ? esc : "");
	curl_free(esc);
}

int mxg_sms_send(const struct mxg_msisdn_conf *conf, const char *to, const char *body,
		 struct mxg_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "", plus_to[32];
	struct mxg_buf form = MXG_BUF_INIT;
	long status = 0;
	CURLcode rc;
	CURL *c;
	int ret = 0;

	if (conf->gateway_url == NULL)
		return mxg_error_set(err, EINVAL, "no SMS gateway configured "
				     "(threepid.msisdn.gateway_url)");
	if (mxg_curl_global_init(err) < 0)
		return -1;
	c = curl_easy_init();
	if (c == NULL)
		return mxg_error_set(err, ENOMEM, "curl_easy_init failed");
	snprintf(plus_to, sizeof(plus_to), "+%s", to);
	append_field(&form, c, "To", plus_to);
	append_field(&form, c, "From", conf->from);
	append_field(&form, c, "Body", body);

	curl_easy_setopt(c, CURLOPT_URL, conf->gateway_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)conf->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)conf->timeout_ms);
	if (conf->username != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, conf->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, conf->password != NULL ? conf->password : "");
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		ret = mxg_error_set(err, EIO, "SMS gateway: %s",
				    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
		 status < 200 || status > 299)
		ret = mxg_error_set(err, EIO, "SMS gateway answered HTTP %ld", status);
	curl_easy_cleanup(c);
	explicit_bzero(form.data, form.len);	/* the body holds the token */
	mxg_buf_free(&form);
	return ret;
}
