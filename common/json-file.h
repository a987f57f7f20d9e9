/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_JSON_FILE_H
#define VMINT_COMMON_JSON_FILE_H

/* Reading a JSON file with jansson, the error naming the file and where
 * the text stops being JSON. Duplicate keys are refused: a hand-written
 * file saying a key twice is ambiguous. */

#include <jansson.h>

/* Returns a new reference to the document, or NULL with a cause appended
 * ("cannot open 'x': ..." or "'x': line L, column C: not valid JSON: ..."). */
json_t *json_file_load(const char *path);

#endif
