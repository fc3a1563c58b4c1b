// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sources of a rule set in layers (see rules.h, struct rules_packs): the packs built into
 * the binary, the *.yml files of a directory in name order, packs held in memory; and the
 * shorthands that build one set of packs alone (rules_load(), rules_load_text(),
 * rules_new_builtin()).
 */
#include "packs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packs_embedded.h"

#define MAX_PACK_BYTES (4u << 20)
#define MAX_PACKS      256

struct rules_packs *rules_packs_new(void)
{
	return calloc(1, sizeof(struct rules_packs));
}

void rules_packs_free(struct rules_packs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free((char *)p->src[i].name);
		if (!p->is_static[i])
			free((char *)p->src[i].text);
	}
	for (size_t i = 0; i < p->n_layers; i++)
		free(p->layer_names[i]);
	free(p->layer_names);
	free(p->src);
	free(p->is_static);
	free(p);
}

int rules_packs_layer(struct rules_packs *p, const char *name)
{
	char **names = reallocarray(p->layer_names, p->n_layers + 1, sizeof(*names));

	if (!names)
		return -ENOMEM;
	p->layer_names = names;
	names[p->n_layers] = strdup(name);
	if (!names[p->n_layers])
		return -ENOMEM;
	/* packs added before the first call are a layer of their own */
	p->layer = p->n_layers == 0 && p->n == 0 ? 0 : p->layer + 1;
	p->n_layers++;
	return 0;
}

/* Appends a pack; on success text belongs to p (unless is_static). */
static int add(struct rules_packs *p, const char *name, const char *text, size_t len,
	       bool is_static)
{
	char *copy;

	if (p->n >= MAX_PACKS || len > MAX_PACK_BYTES)
		return -EINVAL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct pack_source *src = reallocarray(p->src, cap, sizeof(*src));
		bool *st;

		if (!src)
			return -ENOMEM;
		p->src = src;
		st = reallocarray(p->is_static, cap, sizeof(*st));
		if (!st)
			return -ENOMEM;
		p->is_static = st;
		p->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	p->src[p->n] = (struct pack_source){ copy, text, len, p->layer };
	p->is_static[p->n++] = is_static;
	return 0;
}

int rules_packs_add_builtin(struct rules_packs *p)
{
	for (size_t i = 0; i < embedded_pack_count; i++) {
		int rc = add(p, embedded_packs[i].name, embedded_packs[i].text,
			     embedded_packs[i].len, true);

		if (rc)
			return rc;
	}
	return 0;
}

int rules_packs_add_text(struct rules_packs *p, const char *name, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	int rc;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = add(p, name, copy, len, false);
	if (rc)
		free(copy);
	return rc;
}

static int read_file(const char *path, char **text, size_t *len, struct rules_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	snprintf(err->file, sizeof(err->file), "%s", path);
	if (fd < 0) {
		snprintf(err->text, sizeof(err->text), "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_PACK_BYTES) {
		snprintf(err->text, sizeof(err->text), "not a regular file of at most %u bytes",
			 MAX_PACK_BYTES);
		close(fd);
		return -EINVAL;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		snprintf(err->text, sizeof(err->text), "cannot read: %s",
			 got < 0 ? strerror(errno) : "short read");
		free(*text);
		return -EIO;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pack_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && ((len > 4 && !strcmp(name + len - 4, ".yml")) ||
				  (len > 5 && !strcmp(name + len - 5, ".yaml")));
}

/* The pack files of path: a directory's .yml and .yaml files in name order, or the file. */
static int list_packs(const char *path, char ***files, size_t *n, struct rules_error *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	*n = 0;
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (stat(path, &st) != 0) {
		snprintf(err->text, sizeof(err->text), "cannot open: %s", strerror(errno));
		return -errno;
	}
	*files = calloc(MAX_PACKS, sizeof(**files));
	if (!*files)
		return -ENOMEM;
	if (!S_ISDIR(st.st_mode)) {
		(*files)[(*n)++] = strdup(path);
		return (*files)[0] ? 0 : -ENOMEM;
	}
	d = opendir(path);
	if (!d) {
		snprintf(err->text, sizeof(err->text), "cannot list: %s", strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char full[4096];

		if (!is_pack_name(de->d_name))
			continue;
		if (*n == MAX_PACKS) {
			snprintf(err->text, sizeof(err->text), "more than %d packs", MAX_PACKS);
			closedir(d);
			return -E2BIG;
		}
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		(*files)[*n] = strdup(full);
		if (!(*files)[(*n)++]) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	if (*n == 0) {
		snprintf(err->text, sizeof(err->text), "no *.yml pack in this directory");
		return -ENOENT;
	}
	qsort(*files, *n, sizeof(**files), cmp_str);
	return 0;
}

int rules_packs_add_path(struct rules_packs *p, const char *path, struct rules_error *err)
{
	char **files = NULL;
	size_t n = 0;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = list_packs(path, &files, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		char *text = NULL;
		size_t len = 0;

		rc = read_file(files[i], &text, &len, err);
		if (!rc) {
			rc = add(p, files[i], text, len, false);
			if (rc) {
				free(text);
				snprintf(err->file, sizeof(err->file), "%s", files[i]);
				snprintf(err->text, sizeof(err->text), "%s",
					 rc == -ENOMEM ? "out of memory" : "more than 256 packs");
			}
		}
	}
	if (rc == -ENOMEM && !err->text[0])
		snprintf(err->text, sizeof(err->text), "out of memory");
	for (size_t i = 0; files && i < n; i++)
		free(files[i]);
	free(files);
	if (!rc)
		memset(err, 0, sizeof(*err));
	return rc;
}

size_t rules_packs_count(const struct rules_packs *p)
{
	return p->n;
}

int rules_packs_at(const struct rules_packs *p, size_t i, const char **name, const char **text,
		   size_t *len)
{
	if (i >= p->n)
		return -ENOENT;
	*name = p->src[i].name;
	*text = p->src[i].text;
	*len = p->src[i].len;
	return 0;
}

struct rules *rules_build(const struct rules_packs *p, struct rules_error *err)
{
	return rules_build_sources(p->src, p->n, err);
}

/* Builds one set of packs alone, then frees them. */
static struct rules *build_alone(struct rules_packs *p, int rc, struct rules_error *err)
{
	struct rules *rules = NULL;

	if (!rc)
		rules = rules_build(p, err);
	else if (rc == -ENOMEM && !err->text[0])
		snprintf(err->text, sizeof(err->text), "out of memory");
	else if (!err->text[0])
		snprintf(err->text, sizeof(err->text), "cannot load the packs: %s", strerror(-rc));
	rules_packs_free(p);
	if (rc)
		errno = -rc;
	return rules;
}

struct rules *rules_load(const char *path, struct rules_error *err)
{
	struct rules_packs *p = rules_packs_new();

	memset(err, 0, sizeof(*err));
	if (!p) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	return build_alone(p, rules_packs_add_path(p, path, err), err);
}

struct rules *rules_load_text(const char *name, const char *text, size_t len,
			      struct rules_error *err)
{
	struct rules_packs *p = rules_packs_new();

	memset(err, 0, sizeof(*err));
	if (!p) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	return build_alone(p, rules_packs_add_text(p, name, text, len), err);
}

struct rules *rules_new_builtin(struct rules_error *err)
{
	struct rules_packs *p = rules_packs_new();

	memset(err, 0, sizeof(*err));
	if (!p) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	return build_alone(p, rules_packs_add_builtin(p), err);
}
