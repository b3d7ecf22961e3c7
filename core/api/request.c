/* The body of POST /webhooks, as the addWebhookRequest schema describes it. */
#include "pdhooks/client.h"

#include <jansson.h>
#include <stdlib.h>

#include "pdhooks/alloc.h"

/* A declared, nullable string: the value, or JSON null when declared as null. */
static void S_set_nullable(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value ? json_string(value) : json_null());
}

char *pdh_client_create_body(const pdh_desired_webhook *w)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "subscription_url", json_string(w->subscription_url));
	json_object_set_new(o, "event_action", json_string(w->event_action));
	json_object_set_new(o, "event_object", json_string(w->event_object));
	/* With manage.owner, the name carries its ownership marker (pdh_desired_mark_names). */
	json_object_set_new(o, "name", json_string(w->name_sent ? w->name_sent
	                                           : w->name ? w->name : ""));
	json_object_set_new(o, "version", json_string(w->version ? w->version : "2.0"));
	if (w->has_user_id)
		json_object_set_new(o, "user_id", json_integer((json_int_t)w->user_id));
	if (w->has_http_auth_user)
		S_set_nullable(o, "http_auth_user", w->http_auth_user);
	/* An empty password is none (the plan compares it so): null, not "". */
	if (w->has_http_auth_password)
		S_set_nullable(o, "http_auth_password",
		               w->http_auth_password && *w->http_auth_password
		               ? w->http_auth_password : NULL);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL) {
		/* json_dumps fails only on memory or invalid UTF-8, which the loader rejects. */
		s = pdh_xstrdup("{}");
	}
	return s;
}
