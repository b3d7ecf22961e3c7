/* The option table of cmd/pdhooks (opt.h): its rows are well-formed, and help, the man page
 * and the parser all follow it. A new option in the table is checked here without an edit. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opt.h"
#include "pdhooks/alloc.h"
#include "testutil.h"
#include "world.h"

Test(cli_table, every_command_id_has_a_command)
{
	size_t n = 0;

	for (int id = 0; id < PDH_CMD_COUNT; id++) {
		const pdh_cmd *c = pdh_cmd_get((pdh_cmd_id)id);

		cr_assert_not_null(c, "pdh_cmd_id %d has no row in pdh_commands", id);
		cr_expect_eq(c->id, (pdh_cmd_id)id);
		cr_expect_eq(pdh_cmd_find(c->name), c, "%s", c->name);
	}
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		n++;
	cr_expect_eq(n, (size_t)PDH_CMD_COUNT, "one command per id");
}

Test(cli_table, rows_are_well_formed)
{
	const unsigned all = (1u << PDH_CMD_COUNT) - 1;

	for (const pdh_opt_spec *s = pdh_opt_table; s->name; s++) {
		cr_expect_neq(s->commands, 0u, "--%s: no command takes it", s->name);
		cr_expect_eq(s->commands & ~all, 0u, "--%s: an unknown command", s->name);
		cr_expect_eq(s->synopsis & ~s->commands, 0u,
		             "--%s: shown in the usage of a command that does not take it", s->name);
		cr_expect(s->help && *s->help, "--%s: no help", s->name);
		cr_expect_eq(strchr(s->name, '=') || strchr(s->name, ' '), NULL, "--%s", s->name);
		cr_expect_eq(pdh_opt_takes_value(s), s->value_name != NULL,
		             "--%s: a value name exactly when it takes a value", s->name);
		if (s->kind == PDH_OPT_ENUM) {
			cr_expect(s->values && s->values[0] && s->values[1], "--%s: no values", s->name);
		} else {
			cr_expect_null(s->values, "--%s: values on a kind that is no enum", s->name);
		}
		if (s->kind == PDH_OPT_INT) {
			cr_expect_leq(s->min, s->max, "--%s", s->name);
			/* The default is in range, or -1 for "not given". */
			cr_expect((s->def >= s->min && s->def <= s->max) || s->def == -1, "--%s",
			          s->name);
		}
		if (s->kind == PDH_OPT_SECONDS)
			cr_expect_gt(s->max, 0, "--%s", s->name);
	}
}

Test(cli_table, no_command_takes_a_name_or_alias_twice)
{
	for (int id = 0; id < PDH_CMD_COUNT; id++) {
		for (const pdh_opt_spec *a = pdh_opt_next((pdh_cmd_id)id, NULL); a;
		     a = pdh_opt_next((pdh_cmd_id)id, a)) {
			cr_expect_eq(pdh_opt_find((pdh_cmd_id)id, a->name, 0), a, "%s --%s twice",
			             pdh_cmd_name((pdh_cmd_id)id), a->name);
			if (a->alias)
				cr_expect_eq(pdh_opt_find((pdh_cmd_id)id, NULL, a->alias), a,
				             "%s -%c twice", pdh_cmd_name((pdh_cmd_id)id), a->alias);
			cr_expect(a->alias != 'h', "-h is help");
			cr_expect(strcmp(a->name, "help") != 0, "--help is help");
		}
	}
}

Test(cli_table, accessors)
{
	const pdh_opt_spec *f = pdh_opt_find(PDH_CMD_PLAN, "file", 0);

	cr_assert_not_null(f);
	cr_expect_eq(pdh_opt_find(PDH_CMD_PLAN, NULL, 'f'), f);
	cr_expect(pdh_opt_is_path(f));
	cr_expect(pdh_opt_takes_value(f));
	cr_expect_null(pdh_opt_find(PDH_CMD_VALIDATE, "api-url", 0), "validate is offline");
	cr_expect_not_null(pdh_opt_find(PDH_CMD_VERSION, "json", 0));
	cr_expect_null(pdh_opt_find(PDH_CMD_VERSION, "file", 0), "version reads no file");
	cr_expect_null(pdh_opt_find(PDH_CMD_EXPORT, "file", 0), "export reads no desired file");
	cr_expect_str_eq(pdh_opt_find(PDH_CMD_PLAN, "format", 0)->values[2], "markdown");
	cr_expect_str_eq(pdh_opt_find(PDH_CMD_PLAN, "out", 0)->value_name, "PLANFILE");
	cr_expect_str_eq(pdh_opt_find(PDH_CMD_EXPORT, "out", 0)->value_name, "FILE");
	cr_expect(!pdh_opt_takes_value(pdh_opt_find(PDH_CMD_APPLY, "force", 0)));
}

/* `pdhooks help CMD` names every option of the table, with alias and value name, and its
 * usage line the ones the row shows there. */
Test(cli_table, help_lists_what_the_table_says)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		pdh_t_run r;
		char *usage_end;

		pdh_t_pdhooks(&r, NULL, NULL, "help", c->name, NULL);
		cr_assert_eq(r.status, 0, "help %s: %s", c->name, r.err);
		usage_end = strstr(r.out, "\n\n");
		cr_assert_not_null(usage_end);
		*usage_end = '\0';
		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *line = s->alias ? pdh_xasprintf("  -%c, --%s", s->alias, s->name)
			                      : pdh_xasprintf("      --%s", s->name);
			char *shown = s->alias ? pdh_xasprintf("[-%c", s->alias)
			                       : pdh_xasprintf("[--%s", s->name);

			if (s->value_name) {
				char *v = pdh_xasprintf("%s %s", line, s->value_name);
				free(line);
				line = v;
			}
			cr_expect_not_null(strstr(usage_end + 2, line), "help %s lacks '%s':\n%s",
			                   c->name, line, usage_end + 2);
			if (s->synopsis & PDH_ON(c->id))
				cr_expect_not_null(strstr(r.out, shown), "usage of %s lacks %s: %s",
				                   c->name, shown, r.out);
			else
				cr_expect_not_null(strstr(r.out, "[OPTIONS]"), "usage of %s: %s", c->name,
				                   r.out);
			free(line);
			free(shown);
		}
		pdh_t_run_dispose(&r);
	}
}

/* The man page's section of a command (from its .SS line to the next .SS or .SH). */
static char *S_man_section(const char *man, const char *heading)
{
	const char *start = strstr(man, heading), *end;

	if (start == NULL)
		return NULL;
	end = start + strlen(heading);
	while ((end = strstr(end, "\n.S")) && end[3] != 'S' && end[3] != 'H')
		end++;
	if (end == NULL)
		end = start + strlen(start);
	return pdh_xasprintf("%.*s", (int)(end - start), start);
}

/* roff writes '-' as '\-'. */
static char *S_roff(const char *name)
{
	char *out = pdh_xcalloc(2 * strlen(name) + 5, 1), *o = out;

	o += sprintf(o, "\\-\\-");
	for (const char *p = name; *p; p++) {
		if (*p == '-')
			*o++ = '\\';
		*o++ = *p;
	}
	return out;
}

Test(cli_table, the_man_page_documents_every_option)
{
	char *path = pdh_xasprintf("%s/docs/pdhooks.1", getenv("PDH_SOURCE_DIR"));
	char *man = pdh_t_read_file(path, NULL);
	char *common;

	cr_assert_not_null(man, "%s", path);
	common = S_man_section(man, "\n.SH COMMON OPTIONS");
	cr_assert_not_null(common);
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		char *heading = pdh_xasprintf("\n.SS \"pdhooks %s", c->name);
		char *section = S_man_section(man, heading);

		cr_assert_not_null(section, "no section %s", heading + 1);
		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *roff = S_roff(s->name);

			cr_expect(strstr(section, roff) || strstr(common, roff),
			          "the man page does not document %s --%s", c->name, s->name);
			free(roff);
		}
		free(section);
		free(heading);
	}
	free(common);
	free(man);
	free(path);
}

/* The man page's OPTIONS section is generated from the table (pdh_opt_print_man), so it never
 * lags: docs/pdhooks.1 holds it between the BEGIN and END lines. After changing an option,
 *     PDH_UPDATE_EXPECTED=1 ctest --test-dir build -R '^test_cli_table$'
 * rewrites that part of docs/pdhooks.1 (read the diff before committing). */
Test(cli_table, the_man_page_options_are_generated_from_the_table)
{
	char *path = pdh_xasprintf("%s/docs/pdhooks.1", getenv("PDH_SOURCE_DIR"));
	char *man = pdh_t_read_file(path, NULL), *got = NULL, *begin, *end;
	const char *update = getenv("PDH_UPDATE_EXPECTED");
	size_t got_len = 0;
	FILE *mem = open_memstream(&got, &got_len);

	cr_assert_not_null(man, "%s", path);
	cr_assert_not_null(mem);
	pdh_opt_print_man(mem);
	fclose(mem);
	begin = strstr(man, PDH_OPT_MAN_BEGIN);
	end = begin ? strstr(begin, PDH_OPT_MAN_END) : NULL;
	cr_assert(begin && end, "%s has no generated OPTIONS part (the lines %s and %s)", path,
	          PDH_OPT_MAN_BEGIN, PDH_OPT_MAN_END);
	end += strlen(PDH_OPT_MAN_END);
	if (update && strcmp(update, "1") == 0) {
		char *text = pdh_xasprintf("%.*s%s%s", (int)(begin - man), man, got, end);

		pdh_t_write_file(path, text);
		free(text);
	} else {
		cr_expect(strlen(got) == (size_t)(end - begin) && strncmp(begin, got, strlen(got)) == 0,
		          "the man page's OPTIONS part is not the option table's "
		          "(PDH_UPDATE_EXPECTED=1 rewrites it):\n%s", got);
	}
	/* every option of every command, under its command's heading */
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		char *heading = pdh_xasprintf(".SS \"%s options\"\n", c->name);
		const char *sec = strstr(got, heading), *next;

		if (pdh_opt_next(c->id, NULL) == NULL) {
			free(heading);
			continue;
		}
		cr_assert_not_null(sec, "no %s", heading);
		next = strstr(sec + 1, ".SS ");
		for (const pdh_opt_spec *o = pdh_opt_next(c->id, NULL); o; o = pdh_opt_next(c->id, o)) {
			char *roff = S_roff(o->name), *at = strstr(sec, roff);

			cr_expect(at && (next == NULL || at < next), "%s --%s is not under %s", c->name,
			          o->name, heading);
			free(roff);
		}
		free(heading);
	}
	free(got);
	free(man);
	free(path);
}

/* validate parses its options as every command does: attached values, --opt=value. */
Test(cli_table, validate_takes_attached_values)
{
	char *file = pdh_t_testdata("desired/good/minimal.yaml");
	char *attached = pdh_xasprintf("-f%s", file);
	char *eq = pdh_xasprintf("--file=%s", file);
	char *forms[][5] = { { "validate", attached, NULL, NULL, NULL },
	                     { "validate", eq, NULL, NULL, NULL },
	                     { "validate", "-q", "-f", file, NULL } };
	pdh_t_run r;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		pdh_t_pdhooks(&r, NULL, NULL, forms[i][0], forms[i][1], forms[i][2], forms[i][3],
		              NULL);
		cr_expect_eq(r.status, 0, "%s %s: %s", forms[i][0], forms[i][1], r.err);
		cr_expect_str_eq(r.err, "", "%s", forms[i][1]);
		if (i < 2)
			cr_expect_not_null(strstr(r.out, ": ok, "), "%s: %s", forms[i][1], r.out);
		else
			cr_expect_str_eq(r.out, "", "-q: no summary line");
		pdh_t_run_dispose(&r);
	}
	PDH_T_EXPECT_ERR_HAS(1, "no-such-file.yaml", "validate", "-fno-such-file.yaml");
	/* Options of the commands that call the API are not validate's. */
	PDH_T_EXPECT_ERR(1, "pdhooks: error: validate: unknown option --api-url "
	                    "(see 'pdhooks help validate')\n",
	                 "validate", "--api-url", "http://localhost/");
	PDH_T_EXPECT_ERR_HAS(1, "validate: unexpected argument", "validate", file);
	free(eq);
	free(attached);
	free(file);
}

/* The bounds and values of the table are what the parser enforces. */
Test(cli_table, values_are_parsed_as_the_table_says)
{
	PDH_T_EXPECT_ERR(1, "pdhooks: error: --parallelism wants a whole number from 1 to 32, "
	                    "not '33'\n",
	                 "apply", "--parallelism", "33");
	PDH_T_EXPECT_ERR_HAS(1, "from 1 to 32, not '0'", "apply", "--parallelism=0");
	PDH_T_EXPECT_ERR(1, "pdhooks: error: --format 'yaml': expected text, json or markdown\n",
	                 "plan", "--format=yaml");
	PDH_T_EXPECT_ERR(1, "pdhooks: error: --timeout wants a number of seconds over 0 and at "
	                    "most 3600, not '3601'\n",
	                 "plan", "--timeout", "3601");
	PDH_T_EXPECT_ERR_HAS(1, "--max-deletes wants a whole number of 0 or more", "plan",
	                     "--max-deletes", "2147483648");
	/* A flag takes no value. */
	PDH_T_EXPECT_ERR_HAS(1, "apply: unknown option --force=yes", "apply", "--force=yes");
	/* An option of another command. */
	PDH_T_EXPECT_ERR_HAS(1, "export: unknown option --force", "export", "--force");
	/* Commands without arguments name the one left over and where it belongs. */
	PDH_T_EXPECT_ERR(1, "pdhooks: error: export: unexpected argument 'out.yaml' (the output "
	                    "file goes after -o)\n",
	                 "export", "out.yaml");
}

/* plan takes the same forms, against the fake. */
Test(cli_table, plan_takes_attached_values)
{
	pdh_t_world w;
	pdh_t_run r;
	char *attached, *eq;

	pdh_t_world_setup(&w, NULL, "pdhooks: 1\nwebhooks:\n  - event_action: create\n"
	                            "    event_object: deal\n"
	                            "    subscription_url: https://hooks.example.com/d\n");
	attached = pdh_xasprintf("-f%s", w.file);
	eq = pdh_xasprintf("--file=%s", w.file);
	pdh_t_world_run(&r, &w, NULL, "plan", attached, "--max-deletes=0", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "Plan: 1 to create"), "%s", r.out);
	pdh_t_run_dispose(&r);
	pdh_t_world_run(&r, &w, NULL, "plan", eq, "--detailed-exitcode", NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_world_expect_calls(&w, 4, 0, 0);   /* each: the listing, /users/me (empty) */
	free(eq);
	free(attached);
	pdh_t_world_teardown(&w);
}

/* The exit-code table (pdhooks/exit_code.h) is what `pdhooks help` lists, and the man page's
 * EXIT STATUS names every code in it. */
Test(cli_table, help_and_the_man_page_list_the_exit_code_table)
{
	char *path = pdh_xasprintf("%s/docs/pdhooks.1", getenv("PDH_SOURCE_DIR"));
	char *man = pdh_t_read_file(path, NULL);
	char *status;
	size_t n;
	const pdh_exit_info *codes = pdh_exit_codes(&n);
	pdh_t_run r;

	cr_assert_not_null(man, "%s", path);
	status = S_man_section(man, "\n.SH EXIT STATUS");
	cr_assert_not_null(status);
	pdh_t_pdhooks(&r, NULL, NULL, "help", NULL);
	cr_assert_eq(r.status, PDH_EXIT_OK, "%s", r.err);
	cr_assert_geq(n, 9);
	for (size_t i = 0; i < n; i++) {
		char *line = pdh_xasprintf("  %-4d %s\n", codes[i].code, codes[i].meaning);
		char *num = pdh_xasprintf("%d", codes[i].code);

		cr_expect(strstr(r.out, line), "help does not list: %s", line);
		cr_expect(strstr(status, num), "the man page's EXIT STATUS does not name %s", num);
		free(num);
		free(line);
	}
	cr_expect_eq(pdh_exit_fleet((int[]){ 0, 2, 4, 3 }, 4, true), PDH_EXIT_BRAKE);
	pdh_t_run_dispose(&r);
	free(status);
	free(man);
	free(path);
}
