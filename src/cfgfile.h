/*
 * Config files on disk, read and written safely whatever sits at the path:
 * reading takes regular files only, with a size limit and without ever
 * blocking (a FIFO or a device at the config path must not stall the
 * daemon on SIGHUP); a save through a symbolic link writes the link's
 * target and keeps the link; temporary files an interrupted save left
 * behind (they hold every secret) are found and removed.
 */
#ifndef ER_CFGFILE_H
#define ER_CFGFILE_H

#include <stddef.h>

/* The largest config file read (the example is 2 KB; a thousand circuits about 3 MB). */
#define ER_CFGFILE_MAX ((size_t)64 << 20)

/**
 * The content of the regular file @p path (symbolic links followed), at
 * most @p max bytes, NUL-terminated and malloc'd. NULL with "<path>: <why>"
 * in @p err when it cannot be opened, is not a regular file, is larger than
 * @p max, or holds a NUL byte.
 */
char *er_cfgfile_read(const char *path, size_t max, char *err, size_t errlen);

/**
 * The file a save to @p path replaces: @p path itself, or the file its
 * symbolic links lead to (so the link stays a link). malloc'd; NULL with
 * @p err set when @p path (or its target) exists and is not a regular file,
 * or is a link whose target does not exist.
 */
char *er_cfgfile_target(const char *path, char *err, size_t errlen);

/** Suffix of a save's temporary file: "<file>.tmp.XXXXXX" (mkstemp). */
#define ER_CFGFILE_TMP ".tmp."

/**
 * Remove "<target>.tmp.XXXXXX" regular files next to the save target of
 * @p path (left by a save that was killed). Returns how many were removed,
 * or -1 with @p err set when the directory cannot be read.
 */
int er_cfgfile_clean_temp(const char *path, char *err, size_t errlen);

#endif
