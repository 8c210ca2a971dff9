#define _POSIX_C_SOURCE 200809L
#include "mlpt/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mlpt_atomic_open(mlpt_atomic_file *a, const char *path, mlpt_error *err)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return mlpt_fail(err, "%.64s...: path too long", path);
    strcpy(a->path, path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    if (!(a->f = fopen(a->tmp, "wb")))
        return mlpt_fail(err, "%s: cannot create: %s", a->tmp, strerror(errno));
    return 0;
}

int mlpt_atomic_commit(mlpt_atomic_file *a, mlpt_error *err)
{
    /* A failed fwrite leaves its errno (ENOSPC, EFBIG) behind for ferror. */
    int ok = !ferror(a->f) && fflush(a->f) == 0 && fsync(fileno(a->f)) == 0;
    int reason = errno;
    if (fclose(a->f) != 0 && ok) {
        ok = 0;
        reason = errno;
    }
    a->f = NULL;
    if (ok && rename(a->tmp, a->path) != 0) {
        ok = 0;
        reason = errno;
    }
    if (ok)
        return 0;
    remove(a->tmp);
    return mlpt_fail(err, "%s: cannot write: %s (any previous file there is unchanged)",
                     a->path, strerror(reason ? reason : EIO));
}

void mlpt_atomic_abort(mlpt_atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    remove(a->tmp);
}

int mlpt_open_regular(const char *path, FILE **f, uint64_t *size, mlpt_error *err)
{
    struct stat st;
    int rc = 0;
    if (!(*f = fopen(path, "rb")))
        return mlpt_fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(*f), &st) != 0)
        rc = mlpt_fail(err, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = mlpt_fail(err, "%s: not a regular file", path);
    if (rc < 0) {
        fclose(*f);
        *f = NULL;
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

int mlpt_path_join(char *buf, size_t len, const char *dir, const char *name, mlpt_error *err)
{
    const size_t d = strlen(dir);
    int n = snprintf(buf, len, "%s%s%s", dir, d && dir[d - 1] == '/' ? "" : "/", name);
    if (n < 0 || (size_t)n >= len)
        return mlpt_fail(err, "%.64s.../%s: path too long", dir, name);
    return 0;
}

int mlpt_make_dirs(const char *dir, mlpt_error *err)
{
    char buf[4096];
    if (dir[0] == '\0')
        return mlpt_fail(err, "an empty folder name");
    if (strlen(dir) >= sizeof buf)
        return mlpt_fail(err, "%.64s...: path too long", dir);
    strcpy(buf, dir);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return mlpt_fail(err, "%s: cannot create folder: %s", buf, strerror(errno));
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
            return mlpt_fail(err, "%s: exists and is not a folder", buf);
        if (saved == '\0')
            return 0;
        *p = saved;
    }
}

int mlpt_folder_take(const char *dir, mlpt_folder_lock *lock, mlpt_error *err)
{
    char path[4096], pid[32];
    memset(lock, 0, sizeof *lock);
    if (mlpt_make_dirs(dir, err) < 0 || mlpt_path_join(path, sizeof path, dir, ".lock", err) < 0)
        return -1;
    /* Never truncated on opening: the holder's pid stays readable. */
    const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return mlpt_fail(err, "%s: cannot create: %s", path, strerror(errno));
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &whole) != 0) {
        const int reason = errno;
        struct flock holder = whole;
        const bool known = (reason == EAGAIN || reason == EACCES) &&
                           fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK;
        close(fd);
        if (known)
            return mlpt_fail(err, "%s: in use by process %ld, which holds %s: one folder takes "
                                  "one run at a time",
                             dir, (long)holder.l_pid, path);
        return mlpt_fail(err, "%s: cannot lock: %s", path,
                         reason == EAGAIN || reason == EACCES ? "held by another process"
                                                              : strerror(reason));
    }
    const int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        const int reason = errno;
        close(fd);
        return mlpt_fail(err, "%s: cannot write: %s", path, strerror(reason ? reason : EIO));
    }
    *lock = (mlpt_folder_lock){fd, true};
    return 0;
}

void mlpt_folder_release(mlpt_folder_lock *lock)
{
    if (lock->held)
        close(lock->fd); /* closing drops the lock */
    memset(lock, 0, sizeof *lock);
}
