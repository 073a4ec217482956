#ifndef CURTAIL_CMALLOC_SHIM_H
#define CURTAIL_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt), which the Glibc module does not export: Curtail caps the arena count.
#include <malloc.h>

static const int CURTAIL_M_ARENA_MAX = M_ARENA_MAX;
#endif
