/*
 * sms.h: sending one SMS through an HTTP gateway in the style Twilio-like
 * gateways accept: a form POST (application/x-www-form-urlencoded) of To,
 * From and Body to the configured URL, with HTTP basic auth; any 2xx is
 * success.  Blocking: call it from a worker thread.
 */
#ifndef MXG_NOTIFY_SMS_H
#define MXG_NOTIFY_SMS_H

#include "core/error.h"

struct mxg_msisdn_conf;

/* to: E.164 digits without '+' (sent with '+').  Returns 0, or -1 with err
 * (never the password); -1 also when no gateway_url is configured. */
int mxg_sms_send(const struct mxg_msisdn_conf *conf, const char *to, const char *body,
		 struct mxg_error *err);

#endif
