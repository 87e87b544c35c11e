/*
 * smtp.c: e-mail over libcurl SMTP (see smtp.h).
 *
 * Each part is base64 in 76-column lines so that no line of a template can
 * break the 998-octet SMTP limit; libcurl does the dot-stuffing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/mxconfig.h"
#include "http/client.h"
#include "notify/smtp.h"

/* text as base64 lines of 76 characters (plus CRLF); LF becomes CRLF first
 * so that the decoded part has canonical line ends (RFC 2046). */
static void append_base64_part(struct mxg_buf *b, const char *text)
{
	struct mxg_buf crlf = MXG_BUF_INIT;
	char line[80];

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			mxg_buf_append(&crlf, "\r", 1);
		mxg_buf_append(&crlf, p, 1);
	}
	/* 57 input bytes make one 76-character line. */
	for (size_t off = 0; off < crlf.len; off += 57) {
		size_t n = crlf.len - off < 57 ? crlf.len - off : 57;

		mxg_base64_encode(crlf.data + off, n, line, sizeof(line), 0);
		mxg_buf_append_str(b, line);
		mxg_buf_append_str(b, "\r\n");
	}
	mxg_buf_free(&crlf);
}

static void append_subject(struct mxg_buf *b, const char *subject)
{
	bool ascii = true;
	char enc[1024];

	for (const unsigned char *p = (const unsigned char *)subject; *p != '\0'; p++)
		if (*p >= 0x80 || *p < 0x20)
			ascii = false;
	mxg_buf_append_str(b, "Subject: ");
	if (ascii || strlen(subject) > 700) {
		/* Long non-ASCII subjects are cut to ASCII rather than folded. */
		for (const unsigned char *p = (const unsigned char *)subject; *p != '\0'; p++)
			if (*p >= 0x20 && *p < 0x80)
				mxg_buf_append(b, (const char *)p, 1);
	} else {
		mxg_base64_encode(subject, strlen(subject), enc, sizeof(enc), 0);
		mxg_buf_append_str(b, "=?UTF-8?B?");
		mxg_buf_append_str(b, enc);
		mxg_buf_append_str(b, "?=");
	}
	mxg_buf_append_str(b, "\r\n");
}

const char *mxg_mail_from_address(const char *from, char *buf, size_t size)
{
	const char *lt = strrchr(from, '<'), *gt;
	size_t n;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
		n = (size_t)(gt - lt - 1);
		from = lt + 1;
	} else {
		n = strlen(from);
	}
	if (n + 1 > size)
		return NULL;
	memcpy(buf, from, n);
	buf[n] = '\0';
	return buf;
}

char *mxg_mail_format(const char *from, const struct mxg_mail *mail)
{
	struct mxg_buf b = MXG_BUF_INIT;
	char boundary[40], msgid[40], date[64], addr[256];
	const char *domain;
	time_t now = time(NULL);
	struct tm tm;

	memcpy(boundary, "=_mxgate_", 9);
	if (mxg_random_token(boundary + 9, 24) < 0)
		snprintf(boundary + 9, sizeof(boundary) - 9, "%lld", (long long)now);
	if (mxg_random_token(msgid, 24) < 0)
		snprintf(msgid, sizeof(msgid), "%lld", (long long)now);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	domain = mxg_mail_from_address(from, addr, sizeof(addr)) != NULL ? strchr(addr, '@') : NULL;

	mxg_buf_append_str(&b, "From: ");
	mxg_buf_append_str(&b, from);
	mxg_buf_append_str(&b, "\r\nTo: ");
	mxg_buf_append_str(&b, mail->to);
	mxg_buf_append_str(&b, "\r\nDate: ");
	mxg_buf_append_str(&b, date);
	mxg_buf_append_str(&b, "\r\nMessage-ID: <");
	mxg_buf_append_str(&b, msgid);
	mxg_buf_append_str(&b, domain != NULL ? domain : "@mxgate.invalid");
	mxg_buf_append_str(&b, ">\r\n");
	append_subject(&b, mail->subject);
	mxg_buf_append_str(&b, "MIME-Version: 1.0\r\n");
	mxg_buf_append_str(&b, "Content-Type: multipart/alternative; boundary=\"");
	mxg_buf_append_str(&b, boundary);
	mxg_buf_append_str(&b, "\"\r\n\r\n");
	mxg_buf_append_str(&b, "This is a multi-part message in MIME format.\r\n");
	for (int part = 0; part < 2; part++) {
		const char *body = part == 0 ? mail->text : mail->html;

		if (body == NULL)
			continue;
		mxg_buf_append_str(&b, "\r\n--");
		mxg_buf_append_str(&b, boundary);
		mxg_buf_append_str(&b, part == 0 ? "\r\nContent-Type: text/plain; charset=utf-8"
				   : "\r\nContent-Type: text/html; charset=utf-8");
		mxg_buf_append_str(&b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
		append_base64_part(&b, body);
	}
	mxg_buf_append_str(&b, "\r\n--");
	mxg_buf_append_str(&b, boundary);
	mxg_buf_append_str(&b, "--\r\n");
	return b.data;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct upload *u = userdata;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return n;
}

int mxg_smtp_send(const struct mxg_email_conf *conf, const struct mxg_mail *mail,
		  struct mxg_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "", from[256];
	struct curl_slist *rcpt = NULL;
	struct upload u;
	char *msg;
	CURL *c;
	CURLcode rc;
	int ret = 0;

	if (mxg_mail_from_address(conf->from, from, sizeof(from)) == NULL)
		return mxg_error_set(err, EINVAL, "threepid.email.from is too long");
	if (mxg_curl_global_init(err) < 0)
		return -1;
	c = curl_easy_init();
	if (c == NULL)
		return mxg_error_set(err, ENOMEM, "curl_easy_init failed");
	msg = mxg_mail_format(conf->from, mail);
	u = (struct upload){ .data = msg, .len = strlen(msg) };
	rcpt = curl_slist_append(rcpt, mail->to);

	curl_easy_setopt(c, CURLOPT_URL, conf->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)u.len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);	/* worker threads: no SIGALRM */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)conf->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)conf->timeout_ms);
	if (conf->starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (conf->username != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, conf->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, conf->password != NULL ? conf->password : "");
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		ret = mxg_error_set(err, EIO, "SMTP %s: %s", conf->smtp_url,
				    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	free(msg);
	return ret;
}
