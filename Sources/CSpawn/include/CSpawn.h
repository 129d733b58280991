#ifndef C_SPAWN_H
#define C_SPAWN_H

#include <spawn.h>

/// posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34), which Swift's Glibc module does not export:
/// the child closes every descriptor from `from` up before it runs the program.
int c_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
