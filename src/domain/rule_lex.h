/*
 * rule_lex -- tokens of the rule language (docs/rules.md), for rule_parse.c only.
 *
 * The whole text is tokenised up front (the parser needs a few tokens of look-ahead to
 * tell where a value condition ends). Keywords are plain words: the parser compares
 * the text, so a word is a keyword only where the grammar expects one. Chinese keywords
 * (有, 且, 父母双方 …) are replaced here by their English word(s) at the same place. Columns count
 * characters (UTF-8 code points), lines and columns start at 1.
 */
#ifndef WB_RULE_LEX_H
#define WB_RULE_LEX_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/rule.h"

enum tok_kind {
	TK_EOF,
	TK_WORD,   /* names, keywords, rule ids: letters, digits, _ - and non-ASCII */
	TK_NUMBER, /* optional '-' and digits */
	TK_STRING, /* "…" or “…”; text holds the decoded bytes */
	TK_LPAREN,
	TK_RPAREN,
	TK_COLON,
	TK_COMMA,
	TK_EQ,
	TK_NE,
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
};

struct tok {
	int kind;
	int line, col;
	const char *text; /* NUL-terminated copy (words, strings, numbers), else "" */
	size_t len, off;  /* off: into tokens.strings while lexing */
	int64_t num;
};

struct tokens {
	struct tok *v;
	size_t n, cap;
	char *strings; /* storage for the text of all tokens */
	size_t slen, scap;
};

/* Tokenise; on failure *pos and err say where and why (RULE_SYNTAX). */
int rule_lex(struct tokens *out, const char *text, size_t len, struct rule_pos *pos,
	     struct wb_error *err);
void rule_tokens_release(struct tokens *t);

/* Record an error at (line, col): "第L行第C列：zh" / "line L, column C: en". Returns
 * rc. code is RULE_SYNTAX or RULE_SEMANTIC. */
int rule_error_at(struct wb_error *err, struct rule_pos *pos, int rc, const char *code, int line,
		  int col, const char *zh, const char *en);

#endif
