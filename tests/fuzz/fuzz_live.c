/* libFuzzer target: Pipedrive's answers as an attacker (or a broken proxy) could shape them.
 * The parsers must refuse or accept without crashing or leaking, and whatever they accept
 * must plan and render.
 *   CC=clang cmake -S . -B build-fuzz -DPDH_FUZZ=ON && cmake --build build-fuzz --target fuzz_live
 *   build-fuzz/fuzz_live -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/live.h"
#include "pdhooks/plan.h"
#include "pdhooks/render_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char action[] = "create", object[] = "deal", url[] = "https://hooks.example.com/d";
	static char name[] = "deals", version[] = "2.0", manage[] = "https://hooks.example.com/";
	static char *manage_urls[] = { manage };
	pdh_desired_webhook w = { .name = name, .event_action = action, .event_object = object,
		.subscription_url = url, .version = version, .has_user_id = true, .user_id = 1 };
	pdh_desired d = { .prune = true, .manage_urls = manage_urls, .n_manage_urls = 1,
		.max_deletes = 10, .webhooks = &w, .n_webhooks = 1 };
	const char *body = (const char *)data;
	pdh_live *live = NULL;
	pdh_live_webhook created;
	pdh_plan *plan = NULL;
	pdh_error err;

	free(pdh_api_error_text(body, size));
	if (pdh_live_parse_created(&created, body, size, &err) == 0)
		pdh_live_webhook_dispose(&created);
	if (pdh_live_parse_listing(&live, body, size, &err) == 0 &&
	    pdh_plan_compute(&plan, &d, live, NULL, &err) == 0)
		free(pdh_render_text(plan, true));
	pdh_plan_free(plan);
	pdh_live_free(live);
	return 0;
}
