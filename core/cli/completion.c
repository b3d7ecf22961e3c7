/* Shell completion scripts written from a command table and an option table, so that they
 * list every command and option there is, with nothing to edit when one is added. Per
 * option: its names, whether it takes a value, and which: an enum's values, files
 * (PDH_OPT_PATH), directories (PDH_OPT_DIR) or nothing to offer. Per command: what its
 * arguments are (pdh_args_kind). Written into memory; the caller prints. */
#include "pdhooks/cli_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pdh_completion_shells[] = { "bash", "zsh", "fish", NULL };

/* --help and -h, which main() takes for every command. */
#define S_HELP_HELP "show help for this command"

/* Words of the table go into scripts unquoted: option names and enum values are made of
 * these characters only (tests/test_completion.c checks the table). */
static void S_word(FILE *out, const char *w)
{
	for (; *w; w++)
		if ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') ||
		    *w == '-' || *w == '_' || *w == '.')
			fputc(*w, out);
}

/* A help text in one line (its '\n' as spaces), in single quotes for sh and fish: ' as '\''
 * (sh) or \' (fish); zsh also escapes the brackets and colons of _arguments' specs. */
typedef enum { S_SH, S_FISH, S_ZSH_SPEC } S_quoting;

static void S_text(FILE *out, const char *text, S_quoting q)
{
	for (; *text; text++) {
		char ch = *text == '\n' ? ' ' : *text;

		if (ch == '\'')
			fputs(q == S_FISH ? "\\'" : "'\\''", out);
		else if (ch == '\\')
			fputs(q == S_SH ? "\\" : "\\\\", out);
		else if (q == S_ZSH_SPEC && (ch == '[' || ch == ']' || ch == ':'))
			fprintf(out, "\\%c", ch);
		else
			fputc(ch, out);
	}
}

/* "-f|--file" */
static void S_bash_names(FILE *out, const pdh_opt_spec *s)
{
	if (s->alias)
		fprintf(out, "-%c|", s->alias);
	fputs("--", out);
	S_word(out, s->name);
}

/* words (NULL: none), separated by spaces, with one before the first too when lead. */
static void S_words(FILE *out, const char *const *words, bool lead)
{
	for (int i = 0; words && words[i]; i++) {
		fputs(i || lead ? " " : "", out);
		S_word(out, words[i]);
	}
}

/* The commands' names, as S_words. */
static void S_command_names(FILE *out, const pdh_cli_table *t, bool lead)
{
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		fputs(c != t->commands || lead ? " " : "", out);
		S_word(out, c->name);
	}
}

/* The words a command's arguments may be (PDH_ARGS_COMMAND: the commands' names;
 * PDH_ARGS_WORDS: its words), as S_words, between open and close. */
static void S_arg_words(FILE *out, const pdh_cli_table *t, const pdh_cli_command *c,
                        const char *open, bool lead, const char *close)
{
	fputs(open, out);
	if (c->args_kind == PDH_ARGS_COMMAND)
		S_command_names(out, t, lead);
	else
		S_words(out, c->words, lead);
	fputs(close, out);
}

/* An enum option's values, separated by spaces, between open and close. */
static void S_values(FILE *out, const pdh_opt_spec *s, const char *open, const char *close)
{
	fputs(open, out);
	S_words(out, s->values, false);
	fputs(close, out);
}

static void S_bash(FILE *out, const pdh_cli_table *t)
{
	fprintf(out,
	        "# bash completion for pdhooks                              -*- shell-script -*-\n"
	        "# Written by 'pdhooks completion bash' (pdhooks %s) from its option table.\n"
	        "\n"
	        "_pdhooks_reply() { # _pdhooks_reply CUR WORD...: the words that start with CUR\n"
	        "\tlocal cur=$1 IFS=$'\\n'\n"
	        "\tshift\n"
	        "\tCOMPREPLY=($(compgen -W \"$*\" -- \"$cur\"))\n"
	        "}\n"
	        "\n"
	        "_pdhooks_files() { # _pdhooks_files CUR [-d]: files (directories with -d)\n"
	        "\tlocal IFS=$'\\n'\n"
	        "\tcompopt -o filenames 2>/dev/null\n"
	        "\tif [[ $2 == -d ]]; then\n"
	        "\t\tCOMPREPLY=($(compgen -d -- \"$1\"))\n"
	        "\telse\n"
	        "\t\tCOMPREPLY=($(compgen -f -- \"$1\"))\n"
	        "\tfi\n"
	        "}\n"
	        "\n"
	        "_pdhooks() {\n"
	        "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=${COMP_WORDS[1]} opts= args=\n"
	        "\tCOMPREPLY=()\n"
	        "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	        "\t# --option=VALUE: bash splits the word at '='.\n"
	        "\tif [[ $cur == = ]]; then\n"
	        "\t\tcur=\n"
	        "\telif [[ $prev == = ]] && ((COMP_CWORD > 2)); then\n"
	        "\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}\n"
	        "\tfi\n"
	        "\tif ((COMP_CWORD == 1)); then\n"
	        "\t\t_pdhooks_reply \"$cur\"",
	        PDH_VERSION);
	S_command_names(out, t, true);
	fputs(" --help --version\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tcase $cmd in\n", out);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		pdh_args_kind k = c->args_kind;
		bool any_plain = false;

		fputc('\t', out);
		S_word(out, c->name);
		fputs(")\n", out);
		/* The value after an option. */
		if (pdh_cli_next_opt(t, c, NULL)) {
			fputs("\t\tcase $prev in\n", out);
			for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s;
			     s = pdh_cli_next_opt(t, c, s)) {
				if (!pdh_opt_takes_value(s))
					continue;
				if (s->kind == PDH_OPT_ENUM) {
					fputs("\t\t", out);
					S_bash_names(out, s);
					fputs(") _pdhooks_reply \"$cur\"", out);
					S_words(out, s->values, true);
					fputs("; return ;;\n", out);
				} else if (pdh_opt_is_path(s) || pdh_opt_is_dir(s)) {
					fputs("\t\t", out);
					S_bash_names(out, s);
					fprintf(out, ") _pdhooks_files \"$cur\"%s; return ;;\n",
					        pdh_opt_is_dir(s) ? " -d" : "");
				} else {
					any_plain = true;
				}
			}
			if (any_plain) {
				/* A value with nothing to offer (a URL, a number): no completion. */
				bool first = true;

				fputs("\t\t", out);
				for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s;
				     s = pdh_cli_next_opt(t, c, s)) {
					if (!pdh_opt_takes_value(s) || s->kind == PDH_OPT_ENUM ||
					    pdh_opt_is_path(s) || pdh_opt_is_dir(s))
						continue;
					if (!first)
						fputc('|', out);
					S_bash_names(out, s);
					first = false;
				}
				fputs(") return ;;\n", out);
			}
			fputs("\t\tesac\n", out);
		}
		fputs("\t\topts='", out);
		for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s; s = pdh_cli_next_opt(t, c, s)) {
			if (s->alias)
				fprintf(out, "-%c ", s->alias);
			fputs("--", out);
			S_word(out, s->name);
			fputc(' ', out);
		}
		fputs("--help'\n", out);
		if (k == PDH_ARGS_FILES)
			fputs("\t\targs=-f\n", out);
		else if (k != PDH_ARGS_NONE)
			S_arg_words(out, t, c, "\t\targs='", true, "'\n");
		fputs("\t\t;;\n", out);
	}
	fputs("\t*) return ;;\n"
	      "\tesac\n"
	      "\t# An option, or the arguments; options also when there are no arguments.\n"
	      "\tif [[ $cur == -* || ( -z $cur && -z $args ) ]]; then\n"
	      "\t\t_pdhooks_reply \"$cur\" $opts\n"
	      "\telif [[ $args == -f ]]; then\n"
	      "\t\t_pdhooks_files \"$cur\"\n"
	      "\telif [[ -n $args ]]; then\n"
	      "\t\t_pdhooks_reply \"$cur\" $args\n"
	      "\tfi\n"
	      "}\n"
	      "\n"
	      "complete -F _pdhooks pdhooks\n", out);
}

/* One _arguments spec of s: "(-f --file)"{-f+,--file=}"[help]:FILE:_files". */
static void S_zsh_spec(FILE *out, const pdh_opt_spec *s)
{
	bool value = pdh_opt_takes_value(s);

	fputs("\t\t", out);
	if (s->alias) {
		fprintf(out, "'(-%c --", s->alias);
		S_word(out, s->name);
		fprintf(out, ")'{-%c%s,--", s->alias, value ? "+" : "");
		S_word(out, s->name);
		fprintf(out, "%s}'", value ? "=" : "");
	} else {
		fputs("'--", out);
		S_word(out, s->name);
		fputs(value ? "=" : "", out);
	}
	fputc('[', out);
	S_text(out, s->help, S_ZSH_SPEC);
	fputc(']', out);
	if (value) {
		fputc(':', out);
		S_word(out, s->value_name);
		fputc(':', out);
		if (s->kind == PDH_OPT_ENUM) {
			S_values(out, s, "(", ")");
		} else if (pdh_opt_is_path(s)) {
			fputs("_files", out);
		} else if (pdh_opt_is_dir(s)) {
			fputs("_files -/", out);
		} else {
			fputs(" ", out);
		}
	}
	fputs("' \\\n", out);
}

static void S_zsh(FILE *out, const pdh_cli_table *t)
{
	fprintf(out,
	        "#compdef pdhooks\n"
	        "# zsh completion for pdhooks, written by 'pdhooks completion zsh' (pdhooks %s)\n"
	        "# from its option table.\n"
	        "\n",
	        PDH_VERSION);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		pdh_args_kind k = c->args_kind;

		fputs("_pdhooks_cmd_", out);
		S_word(out, c->name);
		fputs("() {\n\t_arguments -s -S \\\n", out);
		for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s; s = pdh_cli_next_opt(t, c, s))
			S_zsh_spec(out, s);
		fputs("\t\t'(- *)'{-h,--help}'[" S_HELP_HELP "]'", out);
		if (k == PDH_ARGS_FILES) {
			fputs(" \\\n\t\t'*:", out);
			S_text(out, c->args, S_ZSH_SPEC);
			fputs(":_files'", out);
		} else if (k != PDH_ARGS_NONE) {
			fputs(" \\\n\t\t'1:", out);
			S_text(out, k == PDH_ARGS_COMMAND ? "command" : c->args ? c->args : "argument",
			       S_ZSH_SPEC);
			S_arg_words(out, t, c, ":(", false, ")'");
		}
		fputs("\n}\n\n", out);
	}
	fputs("_pdhooks() {\n"
	      "\tlocal curcontext=$curcontext state line ret=1\n"
	      "\tlocal -a commands\n"
	      "\ttypeset -A opt_args\n"
	      "\t_arguments -C \\\n"
	      "\t\t'(- *)'{-h,--help}'[show help]' \\\n"
	      "\t\t'(- *)--version[print the version]' \\\n"
	      "\t\t'1:command:->command' \\\n"
	      "\t\t'*:: :->args' && ret=0\n"
	      "\tcase $state in\n"
	      "\tcommand)\n"
	      "\t\tcommands=(\n", out);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		fputs("\t\t\t'", out);
		S_word(out, c->name);
		fputc(':', out);
		S_text(out, c->summary, S_SH);
		fputs("'\n", out);
	}
	fputs("\t\t)\n"
	      "\t\t_describe -t commands 'pdhooks command' commands && ret=0\n"
	      "\t\t;;\n"
	      "\targs)\n"
	      "\t\tcurcontext=${curcontext%:*:*}:pdhooks-$words[1]:\n"
	      "\t\tcase $words[1] in\n", out);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		fputs("\t\t", out);
		S_word(out, c->name);
		fputs(") _pdhooks_cmd_", out);
		S_word(out, c->name);
		fputs(" && ret=0 ;;\n", out);
	}
	fputs("\t\tesac\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "\treturn ret\n"
	      "}\n"
	      "\n"
	      "if [[ $funcstack[1] == _pdhooks ]]; then\n"
	      "\t_pdhooks \"$@\"\n"
	      "else\n"
	      "\tcompdef _pdhooks pdhooks\n"
	      "fi\n", out);
}

static void S_fish_cond(FILE *out, const pdh_cli_command *c)
{
	fputs("complete -c pdhooks -n '__pdhooks_command ", out);
	S_word(out, c->name);
	fputs("'", out);
}

static void S_fish(FILE *out, const pdh_cli_table *t)
{
	fprintf(out,
	        "# fish completion for pdhooks, written by 'pdhooks completion fish' (pdhooks %s)\n"
	        "# from its option table.\n"
	        "\n"
	        "# Whether the command line's command (its first word after pdhooks) is $argv[1].\n"
	        "function __pdhooks_command\n"
	        "    set -l words (commandline -opc)\n"
	        "    test (count $words) -ge 2; and test \"$words[2]\" = \"$argv[1]\"\n"
	        "end\n"
	        "\n"
	        "complete -c pdhooks -f\n"
	        "complete -c pdhooks -n __fish_use_subcommand -l help -s h -d 'show help'\n"
	        "complete -c pdhooks -n __fish_use_subcommand -l version -d 'print the version'\n",
	        PDH_VERSION);
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		fputs("complete -c pdhooks -n __fish_use_subcommand -a ", out);
		S_word(out, c->name);
		fputs(" -d '", out);
		S_text(out, c->summary, S_FISH);
		fputs("'\n", out);
	}
	for (const pdh_cli_command *c = t->commands; c->name; c++) {
		pdh_args_kind k = c->args_kind;

		fputs("\n# ", out);
		S_word(out, c->name);
		fputc('\n', out);
		for (const pdh_opt_spec *s = pdh_cli_next_opt(t, c, NULL); s; s = pdh_cli_next_opt(t, c, s)) {
			S_fish_cond(out, c);
			if (s->alias)
				fprintf(out, " -s %c", s->alias);
			fputs(" -l ", out);
			S_word(out, s->name);
			if (s->kind == PDH_OPT_ENUM) {
				S_values(out, s, " -x -a '", "'");
			} else if (pdh_opt_is_path(s)) {
				fputs(" -r -F", out);
			} else if (pdh_opt_is_dir(s)) {
				fputs(" -x -a '(__fish_complete_directories (commandline -ct))'", out);
			} else if (pdh_opt_takes_value(s)) {
				fputs(" -x", out);
			}
			fputs(" -d '", out);
			S_text(out, s->help, S_FISH);
			fputs("'\n", out);
		}
		S_fish_cond(out, c);
		fputs(" -s h -l help -d '" S_HELP_HELP "'\n", out);
		if (k != PDH_ARGS_NONE)
			S_fish_cond(out, c);
		if (k == PDH_ARGS_FILES)
			fputs(" -F\n", out);
		else if (k != PDH_ARGS_NONE)
			S_arg_words(out, t, c, " -x -a '", false, "'\n");
	}
}

char *pdh_completion_script(const char *shell, const pdh_cli_table *t)
{
	void (*write)(FILE *, const pdh_cli_table *) = strcmp(shell, "bash") == 0 ? S_bash
	                                              : strcmp(shell, "zsh") == 0  ? S_zsh
	                                              : strcmp(shell, "fish") == 0 ? S_fish
	                                                                           : NULL;
	pdh_cli_text text;

	if (write == NULL)
		return NULL;
	write(pdh_cli_text_open(&text), t);
	return pdh_cli_text_close(&text);
}
