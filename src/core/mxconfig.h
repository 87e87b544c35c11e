/*
 * mxconfig.h: mxgate's configuration (mxgate.yaml) as typed structs.
 *
 * The tables that map YAML keys onto these structs are in config.c; every key
 * is documented in man/mxgate.yaml.5.  A loaded config is immutable and lives
 * until the process exits (or the CLI command ends).
 */
#ifndef MXG_MXCONFIG_H
#define MXG_MXCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/conf.h"
#include "db/db.h"

struct mxg_arena;
struct mxg_store_driver;

struct mxg_listener_conf {
	char *bind;				/* "127.0.0.1:8090", "[::1]:8090" */
	struct mxg_conf_strlist resources;	/* "identity", "client", ... */
	/* derived by mxg_config_load() */
	unsigned int resource_mask;		/* enum mxg_resource bits */
	char *host;				/* address part, brackets removed */
	int port;
};

struct mxg_http_conf {
	long long threads;		/* event threads; 0 = one per core */
	long long workers;		/* worker threads for blocking handlers */
	long long worker_queue;		/* queued blocking requests before 503 */
	size_t max_body_size;		/* 413 M_TOO_LARGE above */
	long long connection_timeout_ms;	/* idle keep-alive connections */
	long long shutdown_timeout_ms;	/* SIGTERM drain bound */
	struct mxg_conf_strlist trusted_proxies;	/* IPs whose X-Forwarded-For we believe */
};

struct mxg_keys_conf {
	char *signing_key_path;		/* Synapse-format ed25519 key file */
};

struct mxg_store_conf {
	char *name;
	char *module;			/* "static", or a module in plugin_dir */
	long long priority;		/* lower first; ties keep file order */
	bool enabled;
	void *settings;			/* the driver's settings struct */
	/* resolved while loading */
	const struct mxg_store_driver *driver;
};

enum mxg_lookup_algo {
	MXG_LOOKUP_SHA256 = 1u << 0,
	MXG_LOOKUP_NONE = 1u << 1,
};

/* "sha256" or "none" to its bit; 0 for anything else (NULL included). */
unsigned int mxg_lookup_algo_parse(const char *name);

struct mxg_lookup_conf {
	struct mxg_conf_strlist algorithms;	/* "sha256", "none" */
	long long max_addresses;		/* per request */
	long long refresh_interval_ms;		/* index rebuild from the stores */
	long long pepper_rotation_ms;		/* new pepper after; 0 = never */
	unsigned int algorithm_mask;		/* derived: enum mxg_lookup_algo */
	bool require_auth;			/* hash_details, lookup need a token */
};

/* identity.homeservers[]: a server name served at a fixed base URL. */
struct mxg_hs_map_conf {
	char *server_name;
	char *base_url;
};

/* identity.terms[].languages[] */
struct mxg_terms_lang_conf {
	char *lang;			/* "en" */
	char *name;			/* "Terms of Service" */
	char *url;
};

/* identity.terms[] */
struct mxg_terms_policy_conf {
	char *id;			/* "privacy_policy" */
	char *version;			/* "1.0" */
	struct mxg_conf_list languages;	/* struct mxg_terms_lang_conf */
};

struct mxg_identity_conf {
	struct mxg_conf_list homeservers;	/* struct mxg_hs_map_conf */
	struct mxg_conf_strlist allowed_homeservers;	/* "*" = any; empty: ours */
	long long token_lifetime_ms;
	long long userinfo_timeout_ms;
	struct mxg_conf_list terms;		/* struct mxg_terms_policy_conf */
	bool v1_api;			/* serve the legacy /_matrix/identity/api/v1 */
	/* derived: "id:version,..." of the policies sorted by id ("" when no
	 * policies): what an account records when it accepted them all. */
	char *terms_version;
};

/* One action's token bucket (rate_limits.<action>). */
struct mxg_ratelimit_rule_conf {
	char *per_second;		/* decimal text as written, checked */
	long long burst;
	double rate;			/* derived: per_second as a number; 0 = off */
};

struct mxg_ratelimits_conf {
	struct mxg_ratelimit_rule_conf lookup;		/* per IP: lookup, hash_details */
	struct mxg_ratelimit_rule_conf request_token;	/* per IP */
	struct mxg_ratelimit_rule_conf submit_token;	/* per IP or session */
	struct mxg_ratelimit_rule_conf register_;	/* per IP */
	long long max_buckets;				/* memory bound */
};


struct mxg_log_conf {
	char *level;
	char *file;			/* "-" = stderr */
	bool access_log;
};

/* threepid.email: how validation (and invitation) e-mail is sent. */
struct mxg_email_conf {
	char *from;			/* "mxgate <noreply@example.org>"; default noreply@<server_name> */
	char *smtp_url;			/* smtp://host:port, smtps://host:port */
	bool starttls;			/* smtp://: require STARTTLS (CURLUSESSL_ALL) */
	char *username;			/* SMTP AUTH, with password */
	char *password;			/* secret */
	long long connect_timeout_ms;
	long long timeout_ms;		/* the whole SMTP transaction */
	char *templates_dir;		/* validation-email.txt/.html, ... */
};

/* threepid.msisdn: the SMS gateway (a Twilio-style form POST). */
struct mxg_msisdn_conf {
	char *gateway_url;		/* NULL: SMS validation answers M_SEND_ERROR */
	char *from;			/* the From field */
	char *username;			/* HTTP basic auth, with password */
	char *password;			/* secret */
	long long timeout_ms;
};

/* threepid: validation sessions (requestToken / submitToken). */
struct mxg_threepid_conf {
	long long session_lifetime_ms;	/* counted from the last modification */
	long long max_token_attempts;	/* wrong tokens before the session is dropped */
	struct mxg_email_conf email;
	struct mxg_msisdn_conf msisdn;
};

/* login: password checks for the homeserver (check_credentials, login). */
struct mxg_lockout_conf {
	long long account_failures;	/* failures per login name in window; 0 = off */
	long long ip_failures;		/* failures per client IP in window; 0 = off */
	long long window_ms;
	long long duration_ms;		/* how long a lockout lasts */
};

/* How POST /_matrix/client/{r0,v3}/login is handled (login.interception). */
enum mxg_login_interception {
	MXG_LOGIN_INTERCEPT_OFF,	/* forwarded to the homeserver unchanged */
	MXG_LOGIN_INTERCEPT_JWT,	/* password checked here, JWT login at the homeserver */
	MXG_LOGIN_INTERCEPT_PASSTHROUGH,	/* 3PID identifiers rewritten, nothing checked */
	MXG_LOGIN_INTERCEPT_OAUTH,	/* compat login: the provider's own tokens (MSC3861) */
};

enum mxg_jwt_alg { MXG_JWT_HS256, MXG_JWT_RS256 };
enum mxg_jwt_subject { MXG_JWT_SUB_LOCALPART, MXG_JWT_SUB_USER_ID };

/* login.jwt: the token mxgate mints for the homeserver's org.matrix.login.jwt. */
struct mxg_login_jwt_conf {
	int algorithm;			/* enum mxg_jwt_alg */
	char *secret;			/* HS256; secret */
	char *key_file;			/* RS256: PEM private key */
	char *issuer;			/* iss; NULL: none */
	char *audience;			/* aud; NULL: none */
	int subject;			/* enum mxg_jwt_subject */
	long long lifetime_ms;		/* exp - iat */
};

struct mxg_login_conf {
	struct mxg_lockout_conf lockout;
	char *shared_secret;		/* Bearer token check_credentials requires; secret */
	int interception;		/* enum mxg_login_interception */
	struct mxg_login_jwt_conf jwt;
};

/* homeserver: its client-server API, for what mxgate does in front of it. */
struct mxg_homeserver_conf {
	char *base_url;			/* no trailing '/'; NULL: none configured */
	long long connect_timeout_ms;
	long long timeout_ms;		/* calls mxgate makes itself */
	char *ca_file;
	bool tls_verify;
	bool proxy;			/* unrouted client requests go to it */
	long long proxy_timeout_ms;	/* a whole proxied exchange */
	size_t proxy_max_body;		/* bytes */
	long long proxy_max_connections;
};

/* client: what mxgate adds to the client-server API on `client` listeners. */
struct mxg_client_directory_conf {
	bool enabled;
	long long max_limit;
};

struct mxg_client_profile_conf {
	bool fill_from_stores;
};

struct mxg_client_well_known_conf {
	char *homeserver;		/* NULL: /.well-known/matrix/client is 404 */
	char *identity_server;		/* NULL: public_baseurl when identity is served */
};

struct mxg_client_conf {
	struct mxg_client_directory_conf directory;
	struct mxg_client_profile_conf profile;
	struct mxg_client_well_known_conf well_known;
};

/* oauth.keys[]: a signing key file; its type says its algorithm. */
struct mxg_oauth_key_conf {
	char *file;			/* PEM private key: RSA (RS256) or P-256 (ES256) */
};

enum mxg_oauth_auth_method {
	MXG_OAUTH_AUTH_NONE,
	MXG_OAUTH_AUTH_SECRET_BASIC,
	MXG_OAUTH_AUTH_SECRET_POST,
	MXG_OAUTH_AUTH_SECRET_JWT,
	MXG_OAUTH_AUTH_PRIVATE_KEY_JWT,
};

/* oauth.clients[]: a client known from the config (not registered). */
struct mxg_oauth_client_conf {
	char *client_id;
	char *client_secret;		/* secret; the secret methods need it */
	int auth_method;		/* enum mxg_oauth_auth_method */
	char *jwks_file;		/* private_key_jwt: the client's public keys */
	char *client_name;
	char *client_uri;
	char *logo_uri;
	struct mxg_conf_strlist redirect_uris;
	struct mxg_conf_strlist grant_types;
	struct mxg_conf_strlist scopes;	/* what it may ask for; empty: any we know */
	bool skip_consent;		/* first-party: no consent page */
	bool introspection;		/* may call /oauth2/introspect */
};

/* How users and devices reach the homeserver (oauth.provisioning). */
enum mxg_oauth_provisioning {
	MXG_PROVISION_OFF,		/* the homeserver creates its own */
	MXG_PROVISION_SYNAPSE,		/* /_synapse/mas/, else the admin API */
};

/* oauth: mxgate as an OAuth 2.0 / OpenID Connect provider. */
struct mxg_oauth_conf {
	char *issuer;			/* NULL: the provider is off */
	struct mxg_conf_list keys;	/* struct mxg_oauth_key_conf; empty: generated */
	long long key_grace_ms;		/* a replaced key stays published this long */
	long long access_token_lifetime_ms;
	long long refresh_token_lifetime_ms;	/* 0: until used or revoked */
	long long code_lifetime_ms;
	long long id_token_lifetime_ms;
	long long device_code_lifetime_ms;
	char *homeserver_secret;	/* Bearer the homeserver introspects with */
	struct mxg_conf_list clients;	/* struct mxg_oauth_client_conf */
	long long browser_session_lifetime_ms;	/* a login at the provider's pages */
	char *templates_dir;		/* pages in <dir>/oauth/ */
	bool dynamic_registration;	/* RFC 7591 registration open */
	bool registration;		/* people register local accounts themselves */
	bool password_recovery;		/* local accounts recover by e-mail */
	int provisioning;		/* enum mxg_oauth_provisioning */
	char *homeserver_admin_token;	/* admin API fallback; secret */
};

struct mxg_config {
	char *file;			/* the path it was loaded from */
	char *server_name;
	char *public_baseurl;
	char *data_dir;
	char *plugin_dir;
	struct mxg_conf_list listeners;	/* struct mxg_listener_conf */
	struct mxg_http_conf http;
	struct mxg_db_settings database;
	struct mxg_keys_conf keys;
	struct mxg_conf_list stores;	/* struct mxg_store_conf, sorted by priority */
	struct mxg_lookup_conf lookup;
	struct mxg_log_conf log;
	struct mxg_ratelimits_conf rate_limits;
	struct mxg_identity_conf identity;
	struct mxg_threepid_conf threepid;
	struct mxg_login_conf login;
	struct mxg_homeserver_conf homeserver;
	struct mxg_client_conf client;
	struct mxg_oauth_conf oauth;

	struct mxg_arena *arena;	/* owns everything above */
};

/* Root table, for tools that walk it (config generate, docs tests). */
extern const struct mxg_conf_def mxg_config_table[];

/*
 * Load and check a config file: parse, defaults, derived fields, store
 * modules resolved (loaded from plugin_dir, ABI-checked).  Every problem is
 * passed to report (file, line, key, message).  Returns 0 with *cfg_r set, or
 * the number of problems (> 0), or -1 when the file cannot be read.
 */
int mxg_config_load(const char *path, struct mxg_config **cfg_r,
		    mxg_conf_report_fn *report, void *report_ctx);

/* From a string (tests). */
int mxg_config_load_string(const char *name, const char *yaml,
			   struct mxg_config **cfg_r, mxg_conf_report_fn *report, void *report_ctx);

/* Wipe secrets and free; *cfg = NULL. */
void mxg_config_free(struct mxg_config **cfg);

/* The path to use: the -c argument, else $MXGATE_CONFIG, else NULL. */
const char *mxg_config_path(const char *arg);

/* 0 when name is a valid Matrix server name (host name, IPv4 or [IPv6]
 * address, optional :port), else -1 with err saying why. */
int mxg_config_check_server_name(const char *name, struct mxg_error *err);

/*
 * Write a commented mxgate.yaml for server_name, with its SQLite database and
 * signing key under data_dir (NULL: /var/lib/mxgate), listening on
 * 127.0.0.1:8090; it loads as it is.  plugin_dir NULL leaves the installed
 * module directory as a comment.  Returns 0, or -1 with errno when writing
 * fails, or -1 with EINVAL when server_name is not a server name.
 */
int mxg_config_generate(FILE *out, const char *server_name, const char *data_dir,
			const char *plugin_dir);

#endif
