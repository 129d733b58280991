#ifndef C_BACKUP_SYNC_H
#define C_BACKUP_SYNC_H

/// syncfs(2), which Swift's Glibc module does not export: flushes every file and name of the file system
/// holding `fd` in one call, where an fsync per file costs a journal commit each.
int c_backup_syncfs(int fd);

#endif
