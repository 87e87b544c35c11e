/*
 * client.c: outbound HTTP(S) over libcurl, one easy handle per request.
 *
 * A handle per call costs a TLS handshake per call; the peers we talk to
 * (homeserver userinfo, well-known, SMS gateways) are called rarely enough
 * that a shared pool is not worth its locking.  Query strings never reach a
 * log line or an error message: OpenID tokens travel there.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "http/client.h"

#define DEFAULT_TIMEOUT_MS 10000LL
#define DEFAULT_CONNECT_TIMEOUT_MS 5000LL
#define DEFAULT_MAX_RESPONSE (1u << 20)

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mxg_curl_global_init(struct mxg_error *err)
{
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "curl_global_init: %s",
				     curl_easy_strerror(global_rc));
	return 0;
}

void mxg_http_client_redact(const char *url, char *buf, size_t size)
{
	size_t n = strcspn(url, "?#");

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(buf, url, n);
	buf[n] = '\0';
}

static void append_encoded(struct mxg_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	/* RFC 3986 unreserved characters pass; everything else is %XX. */
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			mxg_buf_append(b, (const char *)&c, 1);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

			mxg_buf_append(b, esc, 3);
		}
	}
}

char *mxg_http_client_url(struct mxg_arena *arena, const char *base, const char *path,
			  const char *const *query)
{
	struct mxg_buf b = MXG_BUF_INIT;
	size_t blen = strlen(base);
	char *url;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	mxg_buf_append(&b, base, blen);
	if (path[0] != '/')
		mxg_buf_append(&b, "/", 1);
	mxg_buf_append_str(&b, path);
	for (size_t i = 0; query != NULL && query[i] != NULL && query[i + 1] != NULL; i += 2) {
		mxg_buf_append(&b, i == 0 && strchr(path, '?') == NULL ? "?" : "&", 1);
		append_encoded(&b, query[i]);
		mxg_buf_append(&b, "=", 1);
		append_encoded(&b, query[i + 1]);
	}
	url = mxg_arena_strndup(arena, b.data != NULL ? b.data : "", b.len);
	mxg_buf_free(&b);
	return url;
}

struct sink {
	struct mxg_buf buf;
	size_t max;
	bool too_large;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (s->buf.len + n > s->max) {
		s->too_large = true;
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	mxg_buf_append(&s->buf, ptr, n);
	return n;
}

/* Notes the one response header a caller may need; curl hands over each
 * header line separately, not NUL-terminated. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	static const char name[] = "www-authenticate:";
	static const char retry[] = "retry-after:";
	struct mxg_http_client_resp *resp = userdata;
	size_t n = size * nmemb;

	/* A new status line (after 100 Continue or a redirect) starts afresh. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		resp->www_authenticate = false;
		resp->retry_after[0] = '\0';
	} else if (n >= sizeof(name) - 1 && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		resp->www_authenticate = true;
	} else if (n >= sizeof(retry) - 1 && strncasecmp(ptr, retry, sizeof(retry) - 1) == 0) {
		/* Only delta-seconds are passed on: digits, nothing else. */
		const char *v = ptr + sizeof(retry) - 1, *end = ptr + n;
		size_t len;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		len = 0;
		while (v + len < end && v[len] >= '0' && v[len] <= '9')
			len++;
		if (len > 0 && len < sizeof(resp->retry_after)) {
			memcpy(resp->retry_after, v, len);
			resp->retry_after[len] = '\0';
		}
	}
	return n;
}

static int curl_error(CURLcode rc, const char *url, long long timeout_ms, struct mxg_error *err)
{
	int code;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return mxg_error_set(err, MXG_HTTPC_ERR_TIMEOUT, "%s: no answer within %lld ms",
				     url, timeout_ms);
	case CURLE_COULDNT_CONNECT:
		code = MXG_HTTPC_ERR_REFUSED;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		code = MXG_HTTPC_ERR_RESOLVE;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		code = MXG_HTTPC_ERR_TLS;
		break;
	case CURLE_FILESIZE_EXCEEDED:
		code = MXG_HTTPC_ERR_TOO_LARGE;
		break;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		code = MXG_HTTPC_ERR_INTERNAL;
		break;
	default:
		code = MXG_HTTPC_ERR_NETWORK;
		break;
	}
	return mxg_error_set(err, code, "%s: %s", url, curl_easy_strerror(rc));
}

static int set_protocols(CURL *c, bool follow)
{
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85: the _STR forms */
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return -1;
	if (follow && curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return -1;
#else
	if (curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS) != CURLE_OK)
		return -1;
	if (follow && curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
				       CURLPROTO_HTTP | CURLPROTO_HTTPS) != CURLE_OK)
		return -1;
#endif
	return 0;
}

int mxg_http_client_request(const struct mxg_http_client_req *req,
			    struct mxg_http_client_resp *resp_r, struct mxg_error *err)
{
	long long timeout = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
	long long ctimeout = req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
			     DEFAULT_CONNECT_TIMEOUT_MS;
	struct sink sink = { .buf = MXG_BUF_INIT,
			     .max = req->max_response > 0 ? req->max_response :
				    DEFAULT_MAX_RESPONSE };
	struct curl_slist *headers = NULL, *connect_to = NULL;
	const char *method = req->method != NULL ? req->method : "GET";
	char safe_url[512], ctype[256];
	CURLcode rc;
	CURL *c;
	int ret = -1;

	memset(resp_r, 0, sizeof(*resp_r));
	mxg_http_client_redact(req->url != NULL ? req->url : "", safe_url, sizeof(safe_url));
	if (req->url == NULL || (strncmp(req->url, "http://", 7) != 0 &&
				 strncmp(req->url, "https://", 8) != 0))
		return mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "'%s' is not an http(s) URL",
				     safe_url);
	if (mxg_curl_global_init(err) < 0)
		return -1;
	if (ctimeout > timeout)
		ctimeout = timeout;
	c = curl_easy_init();
	if (c == NULL)
		return mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "%s: curl_easy_init failed",
				     safe_url);

	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		 req->content_type != NULL ? req->content_type : "application/json");
	for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		headers = curl_slist_append(headers, req->headers[i]);
	if (req->body != NULL)
		headers = curl_slist_append(headers, ctype);
	/* No "Expect: 100-continue" round trip on larger bodies. */
	headers = curl_slist_append(headers, "Expect:");
	if (req->connect_to != NULL)
		connect_to = curl_slist_append(NULL, req->connect_to);

	if (curl_easy_setopt(c, CURLOPT_URL, req->url) != CURLE_OK ||
	    set_protocols(c, req->follow_redirects) < 0 ||
	    /* Worker threads: no SIGALRM-based resolver timeouts. */
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ctimeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, req->insecure ? 0L : 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, req->insecure ? 0L : 2L) != CURLE_OK ||
	    (req->ca_file != NULL &&
	     curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file) != CURLE_OK) ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp_r) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L)
		!= CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink.max) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "mxgate/" PACKAGE_VERSION) != CURLE_OK ||
	    (connect_to != NULL &&
	     curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to) != CURLE_OK)) {
		mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "%s: cannot set up the request",
			      safe_url);
		goto out;
	}
	if (strcmp(method, "GET") != 0 &&
	    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
		goto out;
	if (req->body != NULL &&
	    (curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len)
		!= CURLE_OK))
		goto out;

	rc = curl_easy_perform(c);
	if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		mxg_error_set(err, MXG_HTTPC_ERR_TOO_LARGE, "%s: response larger than %zu bytes",
			      safe_url, sink.max);
		goto out;
	}
	if (rc != CURLE_OK) {
		curl_error(rc, safe_url, timeout, err);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp_r->status);
	mxg_buf_append(&sink.buf, "", 0);	/* a body even when empty */
	resp_r->len = sink.buf.len;
	resp_r->body = malloc(sink.buf.len + 1);
	if (resp_r->body == NULL) {
		mxg_error_set(err, MXG_HTTPC_ERR_INTERNAL, "%s: out of memory", safe_url);
		goto out;
	}
	if (sink.buf.len > 0)
		memcpy(resp_r->body, sink.buf.data, sink.buf.len);
	resp_r->body[sink.buf.len] = '\0';
	ret = 0;
out:
	mxg_buf_free(&sink.buf);
	curl_slist_free_all(headers);
	curl_slist_free_all(connect_to);
	curl_easy_cleanup(c);
	return ret;
}

void mxg_http_client_resp_free(struct mxg_http_client_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

int mxg_http_client_json(const struct mxg_http_client_req *req, long *status_r,
			 json_t **json_r, struct mxg_error *err)
{
	struct mxg_http_client_resp resp;
	char safe_url[512];
	json_error_t jerr;
	json_t *json;

	*json_r = NULL;
	if (status_r != NULL)
		*status_r = 0;
	if (mxg_http_client_request(req, &resp, err) < 0)
		return -1;
	if (status_r != NULL)
		*status_r = resp.status;
	mxg_http_client_redact(req->url, safe_url, sizeof(safe_url));
	json = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
	mxg_http_client_resp_free(&resp);
	if (json != NULL && !json_is_object(json)) {
		json_decref(json);
		json = NULL;
	}
	if (resp.status < 200 || resp.status > 299) {
		*json_r = json;
		return mxg_error_set(err, MXG_HTTPC_ERR_STATUS, "%s answered HTTP %ld", safe_url,
				     resp.status);
	}
	if (json == NULL)
		return mxg_error_set(err, MXG_HTTPC_ERR_BAD_JSON, "%s: the answer is not a JSON "
				     "object", safe_url);
	*json_r = json;
	return 0;
}
