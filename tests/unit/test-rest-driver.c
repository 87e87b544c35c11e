/*
 * test-rest-driver.c: the `rest` store's operations against a scripted HTTP
 * server on 127.0.0.1: what each operation sends (paths, bodies, the
 * Authorization header) and how it judges what comes back (denied versus
 * unavailable, timeouts, caps, paging, merging, chunking).  The full
 * protocol peer is tests/peers/iam.py, used by the integration tests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "rest.h"
#include "conf-report.h"
#include "test.h"

extern const struct mxg_store_driver mxg_store_rest;

/* --- the scripted server ---------------------------------------------------------- */

#define MAX_STEPS 8
#define SILENT "(silent)"

struct server {
	int fd, port;
	const char *replies[MAX_STEPS];	/* one whole HTTP answer per connection */
	char requests[MAX_STEPS][8192];	/* what came, headers and body */
	int served;
	pthread_t thread;
};

/* Read one request: headers, then Content-Length bytes of body. */
static void read_request(int c, char *buf, size_t cap)
{
	size_t len = 0, want = (size_t)-1;

	while (len + 1 < cap && len < want) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t n;
		char *end;

		if (poll(&p, 1, 5000) <= 0 || (n = read(c, buf + len, cap - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL && want == (size_t)-1) {
			const char *cl = strcasestr(buf, "Content-Length:");

			want = (size_t)(end + 4 - buf) + (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
		}
	}
	buf[len] = '\0';
}

static void *serve(void *arg)
{
	struct server *s = arg;

	for (int i = 0; i < MAX_STEPS && s->replies[i] != NULL; i++) {
		int c = accept(s->fd, NULL, NULL);
		char hold[256];

		if (c < 0)
			break;
		read_request(c, s->requests[i], sizeof(s->requests[i]));
		s->served = i + 1;
		if (strcmp(s->replies[i], SILENT) == 0) {
			while (read(c, hold, sizeof(hold)) > 0)
				;
		} else {
			(void)!send(c, s->replies[i], strlen(s->replies[i]), MSG_NOSIGNAL);
		}
		close(c);
	}
	return NULL;
}

static int server_start(struct server *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s->fd, 8) < 0 || getsockname(s->fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	s->port = ntohs(sin.sin_port);
	return pthread_create(&s->thread, NULL, serve, s) == 0 ? 0 : -1;
}

/* Unblock accept() when the script was not used up, then join. */
static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* A 200 (or other) answer with a JSON body; static storage per slot. */
static const char *reply(int slot, const char *status_line, const char *extra_headers,
			 const char *body)
{
	static char buf[MAX_STEPS * 2][4096];

	snprintf(buf[slot], sizeof(buf[slot]), "HTTP/1.1 %s\r\n%sContent-Type: application/json"
		 "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", status_line,
		 extra_headers, strlen(body), body);
	return buf[slot];
}

/* --- a store on top of it ------------------------------------------------------------ */

static const struct mxg_store_env env = { .server_name = "example.org" };

struct fixture {
	struct mxg_arena *conf_arena, *arena;
	struct mxg_rest_settings set;
	struct mxg_store store;
	struct mxg_error err;
};

/* extra: more YAML keys; port 0: the server's. */
static int fixture_init(struct fixture *f, int port, const char *extra)
{
	char yaml[1024];

	memset(f, 0, sizeof(*f));
	f->conf_arena = mxg_arena_create(4096);
	f->arena = mxg_arena_create(4096);
	extra = extra != NULL ? extra : "";
	snprintf(yaml, sizeof(yaml), "url: http://127.0.0.1:%d/base/\n%s%s", port,
		 strstr(extra, "timeout:") == NULL ? "timeout: 2s\n" : "", extra);
	nreports = 0;
	if (mxg_conf_load_string("t.yaml", yaml, strlen(yaml), mxg_rest_settings_table, &f->set,
				 f->conf_arena, collect, NULL) != 0)
		return -1;
	f->store = (struct mxg_store){ .driver = &mxg_store_rest, .name = "iam", .env = &env,
				       .settings = &f->set };
	return mxg_store_rest.init(&f->store, &f->err);
}

static void fixture_deinit(struct fixture *f)
{
	mxg_store_rest.deinit(&f->store);
	mxg_arena_destroy(&f->arena);
	mxg_arena_destroy(&f->conf_arena);
}

static enum mxg_store_result auth(struct fixture *f, const char *user, const char *medium,
				  const char *password, struct mxg_person *p)
{
	struct mxg_cred cred = { user, medium, password, strlen(password) };

	memset(p, 0, sizeof(*p));
	mxg_error_clear(&f->err);
	return mxg_store_rest.authenticate(&f->store, &cred, f->arena, p, &f->err);
}

static const char *body_of(const char *request)
{
	const char *b = strstr(request, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

static void test_auth(void)
{
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person p;

	s.replies[0] = reply(0, "200 OK", "", "{\"auth\":{\"success\":true,\"id\":{\"type\":"
			     "\"localpart\",\"value\":\"alice\"},\"profile\":{\"display_name\":"
			     "\"Alice\",\"three_pids\":[{\"medium\":\"email\",\"address\":"
			     "\"alice@example.org\"}]}}}");
	s.replies[1] = reply(1, "401 Unauthorized", "", "{\"auth\":{\"success\":false}}");
	s.replies[2] = reply(2, "401 Unauthorized", "WWW-Authenticate: Bearer realm=\"iam\"\r\n",
			     "{}");
	s.replies[3] = reply(3, "500 Internal Server Error", "", "{}");
	s.replies[4] = reply(4, "200 OK", "", "<html>oops</html>");
	s.replies[5] = reply(5, "200 OK", "", "{\"auth\":{\"success\":\"yes\"}}");
	s.replies[6] = reply(6, "403 Forbidden", "", "");
	test_begin("driver: auth verdicts");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "auth_bearer_token: t0ken\n") == 0);
	test_assert(auth(&f, "@Alice:example.org", NULL, "pw1", &p) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@alice:example.org");
	test_assert_streq(p.display_name, "Alice");
	test_assert(p.threepid_count == 1);
	test_assert(strstr(s.requests[0], "POST /base/_ma1sd/backend/api/v1/auth/login ") ==
		    s.requests[0]);
	test_assert(strstr(s.requests[0], "Authorization: Bearer t0ken\r\n") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"mxid\":\"@alice:example.org\"") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"localpart\":\"alice\"") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"domain\":\"example.org\"") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"password\":\"pw1\"") != NULL);
	/* The IAM's "no" (a wrong password or an unknown user alike) lets the
	 * next store answer ... */
	test_assert(auth(&f, "alice", NULL, "bad", &p) == MXG_STORE_NOT_FOUND);
	test_assert(strstr(f.err.msg, "did not accept the password") != NULL);
	/* ... its refusal of our own token is not. */
	test_assert(auth(&f, "alice", NULL, "pw1", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "auth: the IAM answered HTTP 401") != NULL);
	test_assert(strstr(f.err.msg, "t0ken") == NULL);
	test_assert(auth(&f, "alice", NULL, "pw1", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "HTTP 500") != NULL);
	test_assert(auth(&f, "alice", NULL, "pw1", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "not a JSON object") != NULL);
	test_assert(auth(&f, "alice", NULL, "pw1", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "auth.success is not a boolean") != NULL);
	test_assert(auth(&f, "alice", NULL, "pw1", &p) == MXG_STORE_NOT_FOUND);
	test_assert(strstr(f.err.msg, "pw1") == NULL);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static void test_auth_no_call(void)
{
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person p;

	/* A listener that answers nothing it is not scripted to. */
	s.replies[0] = reply(0, "500 Internal Server Error", "", "{}");
	test_begin("driver: no call for an empty password, a foreign user, a switched-off auth");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "endpoints: {profile_display_name: \"\", "
			       "profile_threepids: \"\"}\n") == 0);
	test_assert(auth(&f, "alice", NULL, "", &p) == MXG_STORE_DENIED);
	test_assert(auth(&f, "@alice:other.org", NULL, "pw", &p) == MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_rest.profile(&f.store, "@alice:other.org", f.arena, &p, &f.err) ==
		    MXG_STORE_NOT_FOUND);
	/* Both profile calls off: nothing to ask. */
	test_assert(mxg_store_rest.profile(&f.store, "@alice:example.org", f.arena, &p, &f.err)
		    == MXG_STORE_NOT_FOUND);
	test_assert(s.served == 0);
	fixture_deinit(&f);
	test_assert(fixture_init(&f, s.port, "endpoints: {auth: \"\", identity_single: \"\"}\n")
		    == 0);
	test_assert(auth(&f, "alice", NULL, "pw", &p) == MXG_STORE_NOT_FOUND);
	{
		struct mxg_3pid t = { "email", "a@b.org" };
		const char *uid = NULL;

		test_assert(mxg_store_rest.lookup(&f.store, &t, f.arena, &uid, &f.err) ==
			    MXG_STORE_NOT_FOUND);
	}
	test_assert(s.served == 0);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static void test_auth_3pid(void)
{
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person p;

	s.replies[0] = reply(0, "200 OK", "", "{\"lookup\":{\"medium\":\"email\",\"address\":"
			     "\"bob@example.org\",\"id\":{\"type\":\"mxid\",\"value\":"
			     "\"@bob:example.org\"}}}");
	s.replies[1] = reply(1, "200 OK", "", "{\"auth\":{\"success\":true}}");
	s.replies[2] = reply(2, "200 OK", "", "{}");
	test_begin("driver: login by e-mail resolves the Matrix ID first");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "auth_basic_user: mx\nauth_basic_password: pw\n")
		    == 0);
	test_assert(auth(&f, " Bob@Example.org", "email", "secret", &p) == MXG_STORE_OK);
	test_assert_streq(p.user_id, "@bob:example.org");
	test_assert(strstr(s.requests[0], "/identity/single ") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"address\":\"bob@example.org\"") != NULL);
	/* The password goes to auth only. */
	test_assert(strstr(s.requests[0], "secret") == NULL);
	test_assert(strstr(body_of(s.requests[1]), "\"mxid\":\"@bob:example.org\"") != NULL);
	test_assert(strstr(s.requests[1], "Authorization: Basic bXg6cHc=\r\n") != NULL);
	test_assert(auth(&f, "nobody@example.org", "email", "secret", &p) == MXG_STORE_NOT_FOUND);
	test_assert(s.served == 3);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_timeout_and_cap(void)
{
	static char big[3000];
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person p;
	long long start;

	memset(big, ' ', sizeof(big) - 3);
	big[0] = '{';
	big[sizeof(big) - 3] = '}';
	s.replies[0] = SILENT;
	s.replies[1] = reply(1, "200 OK", "", big);
	test_begin("driver: a silent IAM times out, a huge answer is cut: unavailable");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "timeout: 300ms\nmax_response: 1k\n") == 0);
	start = now_ms();
	test_assert(auth(&f, "alice", NULL, "pw", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(now_ms() - start < 1500);
	test_assert(strstr(f.err.msg, "auth: ") == f.err.msg);
	test_assert(auth(&f, "alice", NULL, "pw", &p) == MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "larger than 1024") != NULL);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static int collect_3pid(void *ctx, const char *medium, const char *address, const char *uid)
{
	char *out = ctx;

	snprintf(out + strlen(out), 512 - strlen(out), "%s:%s=%s;", medium, address, uid);
	return 0;
}

static void test_enumerate(void)
{
	struct server s = { 0 };
	struct fixture f;
	char seen[512] = "";

	s.replies[0] = reply(0, "200 OK", "", "{\"threepids\":[{\"medium\":\"email\",\"address\":"
			     "\"a@b.org\",\"id\":{\"type\":\"localpart\",\"value\":\"a\"}}],"
			     "\"next\":\"p2\"}");
	s.replies[1] = reply(1, "200 OK", "", "{\"threepids\":[{\"medium\":\"msisdn\",\"address\":"
			     "\"+1 555 0100\",\"id\":{\"type\":\"mxid\",\"value\":"
			     "\"@c:example.org\"}}],\"next\":null}");
	s.replies[2] = reply(2, "404 Not Found", "", "{\"errcode\":\"M_NOT_FOUND\"}");
	s.replies[3] = reply(3, "200 OK", "", "{\"threepids\":[{\"medium\":\"email\",\"address\":"
			     "\"a@b.org\",\"id\":{\"type\":\"localpart\",\"value\":\"a\"}}],"
			     "\"next\":\"same\"}");
	s.replies[4] = reply(4, "200 OK", "", "{\"threepids\":[{\"medium\":\"email\",\"address\":"
			     "\"a@b.org\",\"id\":{\"type\":\"localpart\",\"value\":\"a\"}}],"
			     "\"next\":\"same\"}");
	s.replies[5] = reply(5, "503 Service Unavailable", "", "{}");
	test_begin("driver: enumerate pages, 404 = not implemented, a stuck cursor fails");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "page_size: 1\n") == 0);
	test_assert(mxg_store_rest.enumerate_3pids(&f.store, collect_3pid, seen, &f.err) ==
		    MXG_STORE_OK);
	test_assert_streq(seen, "email:a@b.org=@a:example.org;msisdn:15550100=@c:example.org;");
	test_assert(strstr(body_of(s.requests[0]), "\"since\":null") != NULL);
	test_assert(strstr(body_of(s.requests[0]), "\"limit\":1") != NULL);
	test_assert(strstr(body_of(s.requests[1]), "\"since\":\"p2\"") != NULL);
	seen[0] = '\0';
	test_assert(mxg_store_rest.enumerate_3pids(&f.store, collect_3pid, seen, &f.err) ==
		    MXG_STORE_OK);
	test_assert(seen[0] == '\0');
	test_assert(mxg_store_rest.enumerate_3pids(&f.store, collect_3pid, seen, &f.err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "did not change") != NULL);
	test_assert(mxg_store_rest.enumerate_3pids(&f.store, collect_3pid, seen, &f.err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "HTTP 503") != NULL);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static void test_search_and_bulk(void)
{
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person *people;
	size_t n;
	const struct mxg_3pid asked[] = {
		{ "email", "A@b.org" }, { "email", "not an address" }, { "email", "c@d.org" },
		{ "msisdn", "+44 7700 900123" },
	};
	const char *ids[4] = { 0 };

	s.replies[0] = reply(0, "200 OK", "", "{\"limited\":false,\"results\":[{\"user_id\":"
			     "\"ann\",\"display_name\":\"Ann\"},{\"user_id\":\"@bo:example.org\"}]}");
	s.replies[1] = reply(1, "200 OK", "", "{\"limited\":false,\"results\":[{\"user_id\":"
			     "\"@ann:example.org\"},{\"user_id\":\"cy\"},{\"user_id\":\"dee\"}]}");
	s.replies[2] = reply(2, "200 OK", "", "{\"lookup\":[{\"medium\":\"email\",\"address\":"
			     "\"a@b.org\",\"id\":{\"type\":\"localpart\",\"value\":\"ann\"}}]}");
	s.replies[3] = reply(3, "200 OK", "", "{\"lookup\":[{\"medium\":\"msisdn\",\"address\":"
			     "\"447700900123\",\"id\":{\"type\":\"localpart\",\"value\":\"cy\"}}]}");
	test_begin("driver: search merges by name and by 3PID; bulk is chunked");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, "page_size: 2\n") == 0);
	test_assert(mxg_store_rest.directory_search(&f.store, "an", 3, f.arena, &people, &n,
						    &f.err) == MXG_STORE_OK);
	test_assert(n == 3);
	test_assert(n == 3 && strcmp(people[0].user_id, "@ann:example.org") == 0 &&
		    strcmp(people[1].user_id, "@bo:example.org") == 0 &&
		    strcmp(people[2].user_id, "@cy:example.org") == 0);
	test_assert(strstr(body_of(s.requests[0]), "\"by\":\"name\"") != NULL);
	test_assert(strstr(body_of(s.requests[1]), "\"by\":\"threepid\"") != NULL);
	test_assert(mxg_store_rest.lookup_bulk(&f.store, asked, 4, f.arena, ids, &f.err) ==
		    MXG_STORE_OK);
	test_assert_streq(ids[0], "@ann:example.org");
	test_assert(ids[1] == NULL && ids[2] == NULL);
	test_assert_streq(ids[3], "@cy:example.org");
	/* Two calls of at most page_size; the invalid address never sent. */
	test_assert(s.served == 4);
	test_assert(strstr(body_of(s.requests[2]), "c@d.org") != NULL);
	test_assert(strstr(body_of(s.requests[2]), "not an address") == NULL);
	test_assert(strstr(body_of(s.requests[3]), "447700900123") != NULL);
	/* A one-character term asks nobody. */
	test_assert(mxg_store_rest.directory_search(&f.store, "a", 3, f.arena, &people, &n,
						    &f.err) == MXG_STORE_OK && n == 0);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static void test_profile(void)
{
	struct server s = { 0 };
	struct fixture f;
	struct mxg_person p;

	s.replies[0] = reply(0, "200 OK", "", "{\"profile\":{\"display_name\":\"Ann\"}}");
	s.replies[1] = reply(1, "200 OK", "", "{\"profile\":{\"threepids\":[{\"medium\":\"email\","
			     "\"address\":\"ann@example.org\"}]}}");
	s.replies[2] = reply(2, "200 OK", "", "{\"profile\":{}}");
	s.replies[3] = reply(3, "200 OK", "", "{}");
	s.replies[4] = reply(4, "200 OK", "", "{\"profile\":{\"display_name\":1}}");
	test_begin("driver: profile");
	test_assert(server_start(&s) == 0);
	test_assert(fixture_init(&f, s.port, NULL) == 0);
	test_assert(mxg_store_rest.profile(&f.store, "@ann:example.org", f.arena, &p, &f.err) ==
		    MXG_STORE_OK);
	test_assert_streq(p.display_name, "Ann");
	test_assert(p.threepid_count == 1);
	test_assert(strstr(s.requests[0], "/profile/displayName ") != NULL);
	test_assert(strstr(body_of(s.requests[1]), "\"localpart\":\"ann\"") != NULL);
	test_assert(mxg_store_rest.profile(&f.store, "@zed:example.org", f.arena, &p, &f.err) ==
		    MXG_STORE_NOT_FOUND);
	test_assert(mxg_store_rest.profile(&f.store, "@zed:example.org", f.arena, &p, &f.err) ==
		    MXG_STORE_UNAVAILABLE);
	test_assert(strstr(f.err.msg, "profile_display_name: profile.display_name") != NULL);
	fixture_deinit(&f);
	server_stop(&s);
	test_end();
}

static void test_init_refusals(void)
{
	struct fixture f;

	test_begin("driver: init refuses conflicting credentials");
	test_assert(fixture_init(&f, 1, "auth_bearer_token: a\nauth_basic_user: u\n"
			       "auth_basic_password: p\n") < 0);
	test_assert(strstr(f.err.msg, "not both") != NULL);
	fixture_deinit(&f);
	test_end();
}

int main(void)
{
	test_auth();
	test_auth_no_call();
	test_auth_3pid();
	test_timeout_and_cap();
	test_enumerate();
	test_search_and_bulk();
	test_profile();
	test_init_refusals();
	return test_done("test-rest-driver");
}
