/* --metrics-file in fleet mode: the runs of every account joined into one exposition, so that
 * each metric family has one HELP and one TYPE line, as the text format requires. */
#include "pdhooks/fleet_report.h"

#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"
#include "pdhooks/buf.h"

typedef struct S_family {
	char *name;
	char *help;      /* the "# HELP ..." line, or NULL */
	char *type;      /* the "# TYPE ..." line, or NULL */
	pdh_buf samples;
} S_family;

static void S_family_dispose(S_family *f)
{
	PDH_FREE_ALL(f->name, f->help, f->type);
	pdh_buf_dispose(&f->samples);
}

struct pdh_fleet_metrics {
	S_family *families;
	size_t n, cap;
};

pdh_fleet_metrics *pdh_fleet_metrics_new(void)
{
	return pdh_xcalloc(1, sizeof(pdh_fleet_metrics));
}

void pdh_fleet_metrics_free(pdh_fleet_metrics *m)
{
	if (m == NULL)
		return;
	PDH_FREE_EACH(m->families, m->n, S_family_dispose);
	free(m);
}

static S_family *S_get(pdh_fleet_metrics *m, const char *name, size_t len)
{
	S_family *f;

	for (size_t i = m->n; i > 0; i--)  /* the latest family is the likeliest */
		if (strlen(m->families[i - 1].name) == len &&
		    memcmp(m->families[i - 1].name, name, len) == 0)
			return &m->families[i - 1];
	m->families = pdh_xgrow(m->families, &m->cap, m->n + 1, sizeof(*m->families));
	f = &m->families[m->n++];
	memset(f, 0, sizeof(*f));
	f->name = pdh_xstrndup(name, len);
	return f;
}

void pdh_fleet_metrics_add(pdh_fleet_metrics *m, const char *text)
{
	const char *p = text;

	while (p && *p) {
		size_t len = strcspn(p, "\n"), nlen;
		const char *name = p;
		char **slot;

		if (len > 7 && (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0)) {
			name = p + 7;
		} else if (p[0] == '#' || len == 0) {
			p += len + (p[len] == '\n');
			continue;
		}
		nlen = strcspn(name, "{ \n");
		{
			S_family *f = S_get(m, name, nlen);

			if (name != p) {
				slot = p[2] == 'H' ? &f->help : &f->type;
				if (*slot == NULL)
					*slot = pdh_xstrndup(p, len);
			} else {
				pdh_buf_append(&f->samples, p, len);
				pdh_buf_putc(&f->samples, '\n');
			}
		}
		p += len + (p[len] == '\n');
	}
}

char *pdh_fleet_metrics_render(const pdh_fleet_metrics *m)
{
	pdh_buf b = PDH_BUF_INIT;

	for (size_t i = 0; i < m->n; i++) {
		const S_family *f = &m->families[i];

		if (f->help)
			pdh_buf_printf(&b, "%s\n", f->help);
		if (f->type)
			pdh_buf_printf(&b, "%s\n", f->type);
		pdh_buf_append(&b, f->samples.data, f->samples.len);
	}
	if (b.data == NULL)
		return pdh_xstrdup("");
	return pdh_buf_detach(&b);
}
