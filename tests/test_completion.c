/* pdhooks completion bash|zsh|fish: the scripts come from the command and option tables.
 * bash's completion function is called as bash calls it (COMP_WORDS, COMP_CWORD, then
 * COMPREPLY read back), for every command and option of the tables, so a new row is tested
 * without an edit here; zsh -n and fish --no-execute check the other two, and fish's own
 * `complete -C` runs its script. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "options.h"
#include "pdhooks/alloc.h"
#include "testutil.h"

static char *S_root;    /* removed by the teardown */
static char *S_dir;     /* a directory with files to complete */
static char *S_script;  /* the bash script, in S_dir's parent */

/* Writes `pdhooks completion shell` to a file; returns its path (caller frees). */
static char *S_generate(const char *shell, const char *dir)
{
	pdh_t_run r;
	char *path = pdh_xasprintf("%s/pdhooks.%s", dir, shell);

	pdh_t_pdhooks(&r, NULL, NULL, "completion", shell, NULL);
	cr_assert_eq(r.status, 0, "completion %s: %s", shell, r.err);
	cr_assert_str_empty(r.err);
	pdh_t_write_file(path, r.out);
	pdh_t_run_dispose(&r);
	return path;
}

static void S_setup(void)
{
	char *root = S_root = pdh_t_tmpdir();
	char *p;

	S_dir = pdh_xasprintf("%s/work", root);
	cr_assert_eq(mkdir(S_dir, 0700), 0);
	S_script = S_generate("bash", root);
	p = pdh_xasprintf("%s/desired.yaml", S_dir);
	pdh_t_write_file(p, "pdhooks: 1\n");
	free(p);
	p = pdh_xasprintf("%s/deploy", S_dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	free(p);
}

static void S_teardown(void)
{
	char *argv[] = { "/bin/rm", "-rf", S_root, NULL };
	pdh_t_run r;

	pdh_t_run_argv(&r, argv, NULL, NULL);
	pdh_t_run_dispose(&r);
	free(S_root);
	free(S_dir);
	free(S_script);
}

/* Completes the last of words (NULL-terminated, "pdhooks" first) in S_dir with bash's
 * function; returns COMPREPLY, one per line, each line ending in '\n'. Caller frees. */
static char *S_complete_v(const char *const words[])
{
	char *argv[32];
	pdh_t_run r;
	char *out;
	int n = 0;

	argv[n++] = "/bin/bash";
	argv[n++] = "--norc";
	argv[n++] = "-c";
	argv[n++] = "source \"$1\" && cd \"$2\" && shift 2 && COMP_WORDS=(\"$@\") && "
	            "COMP_CWORD=$(($# - 1)) && { _pdhooks; true; } && "
	            "for w in \"${COMPREPLY[@]}\"; do printf '%s\\n' \"$w\"; done";
	argv[n++] = "bash";
	argv[n++] = S_script;
	argv[n++] = S_dir;
	for (int i = 0; words[i]; i++) {
		cr_assert_lt(n, 31);
		argv[n++] = (char *)words[i];
	}
	argv[n] = NULL;
	pdh_t_run_argv(&r, argv, NULL, NULL);
	cr_assert_eq(r.status, 0, "bash: %s", r.err);
	cr_assert_str_empty(r.err, "bash said: %s", r.err);
	out = r.out;
	r.out = NULL;
	pdh_t_run_dispose(&r);
	return out;
}

#define S_COMPLETE(...) S_complete_v((const char *const[]){ "pdhooks", __VA_ARGS__, NULL })

/* Completes words and expects exactly the reply `want` ("" for none). */
static void S_expect_v(const char *want, const char *const words[])
{
	char *r = S_complete_v(words);
	size_t n = 0;

	while (words[n + 1])
		n++;
	cr_expect_str_eq(r, want, "completing %s after %s: %s", words[n], words[1], r);
	free(r);
}

#define S_EXPECT(want, ...) S_expect_v(want, (const char *const[]){ "pdhooks", __VA_ARGS__, NULL })

/* Whether reply holds the line `word`. */
static bool S_has(const char *reply, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = reply; (p = strstr(p, word)) != NULL; p++)
		if ((p == reply || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static size_t S_lines(const char *reply)
{
	size_t n = 0;

	for (; *reply; reply++)
		n += *reply == '\n';
	return n;
}

TestSuite(completion, .init = S_setup, .fini = S_teardown);

Test(completion, commands_after_pdhooks)
{
	char *all = S_COMPLETE("");
	char *p = S_COMPLETE("p");

	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		cr_expect(S_has(all, c->name), "no %s in:\n%s", c->name, all);
	cr_expect(S_has(all, "--help") && S_has(all, "--version"), "%s", all);
	cr_expect_str_eq(p, "plan\n");
	free(all);
	free(p);
}

/* "--" after each command offers exactly its long options (and --help), "-" its short ones
 * too: both from the table. */
Test(completion, every_option_of_every_command)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		char *dashdash = S_COMPLETE(c->name, "--");
		char *dash = S_COMPLETE(c->name, "-");
		size_t n = 1;  /* --help */

		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *longname = pdh_xasprintf("--%s", s->name);

			cr_expect(S_has(dashdash, longname), "%s: no %s in:\n%s", c->name, longname,
			          dashdash);
			if (s->alias) {
				char shortname[3] = { '-', s->alias, '\0' };

				cr_expect(S_has(dash, shortname), "%s: no %s in:\n%s", c->name, shortname,
				          dash);
			}
			free(longname);
			n++;
		}
		cr_expect(S_has(dashdash, "--help"), "%s: no --help", c->name);
		cr_expect_eq(S_lines(dashdash), n, "%s offers other options:\n%s", c->name,
		             dashdash);
		free(dashdash);
		free(dash);
	}
}

Test(completion, options_by_prefix)
{
	S_EXPECT("--format\n", "plan", "--fo");
	S_EXPECT("--auto-approve\n", "apply", "--auto");
	/* validate is offline: no --api-url */
	S_EXPECT("", "validate", "--api");
}

Test(completion, format_values)
{
	char *r;

	S_EXPECT("text\njson\nmarkdown\n", "plan", "--format", "");
	S_EXPECT("markdown\n", "plan", "--format", "m");
	/* --format=j: bash splits the word at '=' */
	S_EXPECT("json\n", "plan", "--format", "=", "j");
	r = S_COMPLETE("plan", "--format", "=");
	cr_expect_eq(S_lines(r), 3, "%s", r);
	free(r);
}

/* Every enum option of every command offers its values, and only them. */
Test(completion, every_enum_value)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *opt, *r;
			size_t n = 0;

			if (s->kind != PDH_OPT_ENUM)
				continue;
			opt = pdh_xasprintf("--%s", s->name);
			r = S_COMPLETE(c->name, opt, "");
			for (; s->values[n]; n++)
				cr_expect(S_has(r, s->values[n]), "%s %s: no %s in:\n%s", c->name, opt,
				          s->values[n], r);
			cr_expect_eq(S_lines(r), n, "%s %s:\n%s", c->name, opt, r);
			free(r);
			free(opt);
		}
	}
}

/* Every option whose value names a file offers the files of the directory, by its long
 * name and its short one; a directory option offers directories only. */
Test(completion, files_after_path_options)
{
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *opt, *r;

			if (!pdh_opt_is_path(s) && !pdh_opt_is_dir(s))
				continue;
			opt = s->alias ? pdh_xasprintf("-%c", s->alias) : pdh_xasprintf("--%s", s->name);
			r = S_COMPLETE(c->name, opt, "");
			cr_expect(S_has(r, "deploy"), "%s %s:\n%s", c->name, opt, r);
			if (pdh_opt_is_path(s))
				cr_expect(S_has(r, "desired.yaml"), "%s %s:\n%s", c->name, opt, r);
			else
				cr_expect(!S_has(r, "desired.yaml"), "%s %s offers a file:\n%s", c->name, opt, r);
			free(r);
			free(opt);
		}
	}
}

Test(completion, files_by_prefix)
{
	S_EXPECT("desired.yaml\n", "plan", "-f", "des");
	S_EXPECT("desired.yaml\n", "plan", "--out", "=", "des");
	S_EXPECT("deploy\n", "validate", "-C", "d");
	/* apply's argument is a saved plan: files */
	S_EXPECT("desired.yaml\n", "apply", "des");
}

Test(completion, values_with_nothing_to_offer)
{
	/* a URL has no completion */
	S_EXPECT("", "plan", "--api-url", "");
	S_EXPECT("", "apply", "--parallelism", "");
}

Test(completion, arguments_of_help_and_completion)
{
	char *r = S_COMPLETE("help", "");

	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		cr_expect(S_has(r, c->name), "help: no %s in:\n%s", c->name, r);
	free(r);
	r = S_COMPLETE("completion", "");
	for (int i = 0; pdh_completion_shells[i]; i++)
		cr_expect(S_has(r, pdh_completion_shells[i]), "%s", r);
	cr_expect_eq(S_lines(r), 3, "%s", r);
	free(r);
	/* a command without arguments offers its options on an empty word */
	r = S_COMPLETE("validate", "");
	cr_expect(S_has(r, "--file"), "%s", r);
	free(r);
}

Test(completion, unknown_command_offers_nothing)
{
	S_EXPECT("", "frobnicate", "--");
}

/* Every option and command of the tables is in the bash script, spelled as typed. */
Test(completion, bash_script_names_every_option)
{
	char *text = pdh_t_read_file(S_script, NULL);

	cr_assert_not_null(text);
	for (const pdh_opt_spec *s = pdh_opt_table; s->name; s++) {
		char *longname = pdh_xasprintf("--%s ", s->name);

		cr_expect(strstr(text, longname), "the bash script lacks --%s", s->name);
		if (s->alias) {
			char shortname[5] = { '-', s->alias, '|', '\0' };

			cr_expect(strstr(text, shortname) || !pdh_opt_takes_value(s),
			          "the bash script does not complete -%c's value", s->alias);
		}
		free(longname);
	}
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		char *arm = pdh_xasprintf("\t%s)\n", c->name);

		cr_expect(strstr(text, arm), "the bash script has no case for %s", c->name);
		free(arm);
	}
	free(text);
}

/* The words of the tables go into the scripts unquoted (core/cli/completion.c drops anything
 * else): option names, value names, enum values and command names are plain. */
static bool S_plain(const char *w)
{
	if (*w == '\0')
		return false;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') ||
		      *w == '-' || *w == '_' || *w == '.'))
			return false;
	return true;
}

Test(completion, table_words_are_plain)
{
	for (const pdh_opt_spec *s = pdh_opt_table; s->name; s++) {
		cr_expect(S_plain(s->name), "--%s", s->name);
		if (s->value_name)
			cr_expect(S_plain(s->value_name), "--%s %s", s->name, s->value_name);
		for (int i = 0; s->values && s->values[i]; i++)
			cr_expect(S_plain(s->values[i]), "--%s %s", s->name, s->values[i]);
	}
	for (const pdh_cmd *c = pdh_commands; c->name; c++)
		cr_expect(S_plain(c->name), "%s", c->name);
}

/* zsh -n / fish --no-execute: the scripts parse. */
static void S_syntax(const char *shell, const char *flag)
{
	char *root = pdh_t_tmpdir();
	char *path = S_generate(shell, root);
	char *exe = pdh_xasprintf("/usr/bin/%s", shell);
	char *argv[] = { exe, (char *)flag, path, NULL };
	pdh_t_run r;

	cr_assert_eq(access(exe, X_OK), 0, "%s is not installed (scripts/deps.sh installs it)", exe);
	pdh_t_run_argv(&r, argv, NULL, NULL);
	cr_expect_eq(r.status, 0, "%s %s: %s", shell, flag, r.err);
	cr_expect_str_empty(r.err, "%s: %s", shell, r.err);
	pdh_t_run_dispose(&r);
	unlink(path);
	rmdir(root);
	free(exe);
	free(path);
	free(root);
}

Test(completion, zsh_parses)
{
	S_syntax("zsh", "-n");
}

Test(completion, fish_parses)
{
	S_syntax("fish", "--no-execute");
}

/* fish runs its script: `complete -C LINE` prints the candidates, one "word\tdescription"
 * a line. */
static char *S_fish_complete(const char *path, const char *line)
{
	char *script = pdh_xasprintf("source %s; complete -C '%s'", path, line);
	char *argv[] = { "/usr/bin/fish", "--no-config", "-c", script, NULL };
	pdh_t_run r;
	char *out;

	pdh_t_run_argv(&r, argv, (char *const[]){ "HOME=/nonexistent", NULL }, NULL);
	cr_assert_eq(r.status, 0, "fish: %s", r.err);
	out = r.out;
	r.out = NULL;
	pdh_t_run_dispose(&r);
	free(script);
	return out;
}

Test(completion, fish_completes)
{
	char *root = pdh_t_tmpdir();
	char *path = S_generate("fish", root);
	char *r;

	cr_assert_eq(access("/usr/bin/fish", X_OK), 0, "fish is not installed");
	r = S_fish_complete(path, "pdhooks pl");
	cr_expect(strncmp(r, "plan\t", 5) == 0, "%s", r);
	free(r);
	r = S_fish_complete(path, "pdhooks plan --format ");
	cr_expect(strstr(r, "json\t") && strstr(r, "markdown\t") && strstr(r, "text\t"), "%s", r);
	free(r);
	for (const pdh_cmd *c = pdh_commands; c->name; c++) {
		char *line = pdh_xasprintf("pdhooks %s --", c->name);

		r = S_fish_complete(path, line);
		for (const pdh_opt_spec *s = pdh_opt_next(c->id, NULL); s; s = pdh_opt_next(c->id, s)) {
			char *want = pdh_xasprintf("--%s\t", s->name);

			cr_expect(strstr(r, want), "fish, %s: no --%s in:\n%s", c->name, s->name, r);
			free(want);
		}
		free(r);
		free(line);
	}
	unlink(path);
	rmdir(root);
	free(path);
	free(root);
}

Test(completion, bad_shell)
{
	pdh_t_run r;

	pdh_t_pdhooks(&r, NULL, NULL, "completion", "tcsh", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "unknown shell 'tcsh'"), "%s", r.err);
	cr_expect_str_empty(r.out);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, NULL, NULL, "completion", NULL);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "one shell"), "%s", r.err);
	pdh_t_run_dispose(&r);
	pdh_t_pdhooks(&r, NULL, NULL, "completion", "bash", "zsh", NULL);
	cr_expect_eq(r.status, 1);
	pdh_t_run_dispose(&r);
}
