/*
 * filter.c: LDAP search filters, RFC 4515: escaping user input, building the
 * OR/AND filters the operations send, and checking the filters an admin
 * writes in the config.
 *
 * Every value that comes from a user (login name, address, search term)
 * goes through mxg_ldap_escape(): a '*' or ')(' typed by a user is data,
 * never filter syntax.  Attribute names come from the config and are checked
 * once at init (mxg_ldap_attr_valid), so they are pasted as they are.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "ldap-private.h"

/* Nesting deeper than this in a config filter is refused (the parser is
 * recursive; no real filter comes close). */
#define FILTER_DEPTH_MAX 32

static bool must_escape(unsigned char c)
{
	/* RFC 4515 requires NUL ( ) * \; control characters are escaped too so
	 * that no filter the server or a log sees holds raw control bytes. */
	return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f;
}

static size_t escaped_len(const char *in, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += must_escape((unsigned char)in[i]) ? 3 : 1;
	return n;
}

static char *escape_into(char *out, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (must_escape(c)) {
			*out++ = '\\';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 0xf];
		} else {
			*out++ = (char)c;
		}
	}
	return out;
}

char *mxg_ldap_escape(struct mxg_arena *arena, const char *in, size_t len)
{
	char *out = mxg_arena_alloc(arena, escaped_len(in, len) + 1);

	*escape_into(out, in, len) = '\0';
	return out;
}

/* keystring = ALPHA *(ALPHA / DIGIT / "-") */
static const char *skip_keystring(const char *p)
{
	if (!isalpha((unsigned char)*p))
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '-')
		p++;
	return p;
}

/* numericoid = number 1*( "." number ), number without leading zeros */
static const char *skip_numericoid(const char *p)
{
	int parts = 0;

	for (;;) {
		if (!isdigit((unsigned char)*p))
			return NULL;
		if (*p == '0' && isdigit((unsigned char)p[1]))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
		parts++;
		if (*p != '.')
			break;
		p++;
	}
	return parts >= 2 ? p : NULL;
}

static const char *skip_oid(const char *p)
{
	return isdigit((unsigned char)*p) ? skip_numericoid(p) : skip_keystring(p);
}

/* attributedescription = ( keystring / numericoid ) *( ";" option ),
 * returns the end or NULL. */
static const char *skip_attrdesc(const char *p)
{
	p = skip_oid(p);
	while (p != NULL && *p == ';') {
		p++;
		if (!isalnum((unsigned char)*p) && *p != '-')
			return NULL;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
	}
	return p;
}

bool mxg_ldap_attr_valid(const char *s)
{
	const char *end;

	if (s == NULL || strlen(s) > 128)
		return false;
	end = skip_attrdesc(s);
	return end != NULL && *end == '\0';
}

struct fparse {
	const char *start;
	struct mxg_error *err;
};

static const char *fail(struct fparse *fp, const char *at, const char *what)
{
	mxg_error_set(fp->err, EINVAL, "%s at offset %zu", what, (size_t)(at - fp->start));
	return NULL;
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* An assertion value up to the closing ')'; '*' only where allowed. */
static const char *skip_value(struct fparse *fp, const char *p, bool star_ok)
{
	for (; *p != ')'; p++) {
		if (*p == '\0')
			return fail(fp, p, "unbalanced parentheses: missing ')'");
		if (*p == '(')
			return fail(fp, p, "unescaped '(' in a value (write \\28)");
		if (*p == '*' && !star_ok)
			return fail(fp, p, "'*' where no substring is allowed (write \\2a)");
		if (*p == '\\') {
			if (!is_hex(p[1]) || !is_hex(p[2]))
				return fail(fp, p, "'\\' not followed by two hex digits");
			p += 2;
		}
	}
	return p;
}

/* item = simple / present / substring / extensible, up to the ')' */
static const char *skip_item(struct fparse *fp, const char *p)
{
	const char *end = p;

	if (*p != ':' && (end = skip_attrdesc(p)) == NULL)
		return fail(fp, p, "bad attribute description");
	if (*end == ':') {
		/* extensible = [attr] [":dn"] [":" matchingrule] ":=" value */
		bool have_attr = end != p, have_rule = false;

		p = end;
		if (strncasecmp(p, ":dn", 3) == 0 && p[3] == ':')
			p += 3;
		if (p[0] == ':' && p[1] != '=') {
			const char *rule = p + 1;

			if ((p = skip_oid(rule)) == NULL)
				return fail(fp, rule, "bad matching rule in an extensible match");
			have_rule = true;
		}
		if (p[0] != ':' || p[1] != '=')
			return fail(fp, p, "expected ':=' in an extensible match");
		if (!have_attr && !have_rule)
			return fail(fp, p, "an extensible match needs an attribute or a matching rule");
		return skip_value(fp, p + 2, false);
	}
	p = end;
	if ((*p == '~' || *p == '>' || *p == '<') && p[1] == '=')
		return skip_value(fp, p + 2, false);
	if (*p == '=')
		return skip_value(fp, p + 1, true);
	return fail(fp, p, "expected '=', '~=', '>=' or '<=' after an attribute");
}

/* filter = "(" filtercomp ")"; returns the position after the ')'. */
static const char *skip_filter(struct fparse *fp, const char *p, int depth)
{
	if (depth > FILTER_DEPTH_MAX)
		return fail(fp, p, "filter nested too deeply");
	if (*p != '(')
		return fail(fp, p, "expected '('");
	p++;
	switch (*p) {
	case '&':
	case '|':
		/* An empty list is RFC 4526's absolute true / false. */
		for (p++; *p == '('; )
			if ((p = skip_filter(fp, p, depth + 1)) == NULL)
				return NULL;
		break;
	case '!':
		p = skip_filter(fp, p + 1, depth + 1);
		break;
	case '\0':
		return fail(fp, p, "unbalanced parentheses: missing ')'");
	default:
		p = skip_item(fp, p);
		break;
	}
	if (p == NULL)
		return NULL;
	if (*p == '\0')
		return fail(fp, p, "unbalanced parentheses: missing ')'");
	if (*p != ')')
		return fail(fp, p, "expected ')'");
	return p + 1;
}

int mxg_ldap_filter_check(const char *filter, struct mxg_error *err)
{
	struct fparse fp = { filter, err };
	const char *end = skip_filter(&fp, filter, 0);

	if (end == NULL)
		return -1;
	if (*end != '\0') {
		fail(&fp, end, "text after the filter's last ')' (unbalanced parentheses?)");
		return -1;
	}
	return 0;
}

char *mxg_ldap_filter_any(struct mxg_arena *arena, const struct mxg_ldap_attrs *attrs,
			  const char *const *values, size_t nvalues, enum mxg_ldap_match match)
{
	size_t terms = 0, len = 0;
	char *out, *p;

	if (match == MXG_LDAP_MATCH_PRESENT)
		nvalues = 1;
	if (attrs->count == 0 || nvalues == 0)
		return NULL;
	for (size_t a = 0; a < attrs->count; a++) {
		for (size_t v = 0; v < nvalues; v++) {
			/* "(" attr "=" ["*"] value ["*"] ")" */
			len += strlen(attrs->names[a]) + 3;
			if (match == MXG_LDAP_MATCH_PRESENT)
				len += 1;
			else
				len += escaped_len(values[v], strlen(values[v])) +
				       (match == MXG_LDAP_MATCH_SUBSTRING ? 2 : 0);
			terms++;
		}
	}
	out = p = mxg_arena_alloc(arena, len + 4);
	if (terms > 1) {
		*p++ = '(';
		*p++ = '|';
	}
	for (size_t a = 0; a < attrs->count; a++) {
		for (size_t v = 0; v < nvalues; v++) {
			size_t n = strlen(attrs->names[a]);

			*p++ = '(';
			memcpy(p, attrs->names[a], n);
			p += n;
			*p++ = '=';
			if (match == MXG_LDAP_MATCH_PRESENT) {
				*p++ = '*';
			} else {
				if (match == MXG_LDAP_MATCH_SUBSTRING)
					*p++ = '*';
				p = escape_into(p, values[v], strlen(values[v]));
				if (match == MXG_LDAP_MATCH_SUBSTRING)
					*p++ = '*';
			}
			*p++ = ')';
		}
	}
	if (terms > 1)
		*p++ = ')';
	*p = '\0';
	return out;
}

char *mxg_ldap_filter_and(struct mxg_arena *arena, const char *const *parts, size_t nparts)
{
	size_t present = 0, len = 0;
	const char *only = NULL;
	char *out, *p;

	for (size_t i = 0; i < nparts; i++) {
		if (parts[i] == NULL)
			continue;
		present++;
		only = parts[i];
		len += strlen(parts[i]);
	}
	if (present == 0)
		return NULL;
	if (present == 1)
		return mxg_arena_strdup(arena, only);
	out = p = mxg_arena_alloc(arena, len + 4);
	*p++ = '(';
	*p++ = '&';
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i] == NULL)
			continue;
		memcpy(p, parts[i], strlen(parts[i]));
		p += strlen(parts[i]);
	}
	*p++ = ')';
	*p = '\0';
	return out;
}

bool mxg_ldap_input_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p != '\0') {
		int more;

		if (++n > MXG_LDAP_INPUT_MAX)
			return false;
		if (*p < 0x80)
			more = 0;
		else if (*p >= 0xC2 && *p <= 0xDF)
			more = 1;
		else if (*p >= 0xE0 && *p <= 0xEF)
			more = 2;
		else if (*p >= 0xF0 && *p <= 0xF4)
			more = 3;
		else
			return false;
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return false;
			n++;
		}
	}
	return n <= MXG_LDAP_INPUT_MAX;
}
