#define _GNU_SOURCE
#include <unistd.h>
#include "CBackupSync.h"

int c_backup_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    sync();
    return 0;
#endif
}
