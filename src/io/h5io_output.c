/* Where an output file goes on disk: refusing what is not a file, one
 * writer per output, and files made in a private directory beside it and
 * renamed into place only over what the run may replace. */
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE */
#include "h5io_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- what a signal handler may remove -------------------------------- */

/* The paths a second ^C must not leave behind: the file being made, its
 * directory and the lock. Written only outside handlers, each path before
 * its flag; read by ss_h5_remove_temporaries, which only unlinks. Lock-free
 * atomics: a handler may use them, and their order holds across threads. */
enum { TEMP_FILE, TEMP_DIR, TEMP_LOCK, TEMP_SLOTS };
static char temp_path[TEMP_SLOTS][SS__H5_PATH_MAX];
static atomic_int temp_armed[TEMP_SLOTS];

/* The handler may run on one thread while another creates a temporary,
 * and the process ends right after it: a directory made but not yet
 * armed would stay. So a temporary is created and armed inside a making
 * window, in which this thread takes no signal and which the handler
 * waits for; none opens once the handler has begun (removing). */
static atomic_int making;
static atomic_int removing;

static void arm(int slot, const char *path)
{
    atomic_store(&temp_armed[slot], 0);
    snprintf(temp_path[slot], sizeof temp_path[slot], "%s", path);
    atomic_store(&temp_armed[slot], 1);
}

static void disarm(int slot)
{
    atomic_store(&temp_armed[slot], 0);
}

/* Opens a making window; false (none open) when a second ^C is already
 * removing the temporaries: make nothing, the process is ending. */
static bool begin_making(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, old);
    atomic_fetch_add(&making, 1);
    if (!atomic_load(&removing))
        return true;
    atomic_fetch_sub(&making, 1);
    pthread_sigmask(SIG_SETMASK, old, NULL);
    return false;
}

static void end_making(const sigset_t *old)
{
    atomic_fetch_sub(&making, 1);
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

void ss_h5_remove_temporaries(void)
{
    /* async-signal-safe: atomics, nanosleep, unlink and rmdir only */
    int saved = errno;
    atomic_store(&removing, 1);
    /* a window takes microseconds; a thread stuck in one (a hung file
     * system) is not waited for beyond a second */
    for (int waited = 0; atomic_load(&making) > 0 && waited < 100000;
         waited++)
        nanosleep(&(struct timespec){.tv_nsec = 10000}, NULL);
    if (atomic_load(&temp_armed[TEMP_DIR])) {
        /* another thread may be creating the file in it meanwhile: the
         * directory goes once it is empty, and nothing can be created in
         * it after that */
        for (int attempt = 0; attempt < 1000; attempt++) {
            if (atomic_load(&temp_armed[TEMP_FILE]))
                unlink(temp_path[TEMP_FILE]);
            if (rmdir(temp_path[TEMP_DIR]) == 0 || errno != ENOTEMPTY)
                break;
        }
    }
    if (atomic_load(&temp_armed[TEMP_LOCK]))
        unlink(temp_path[TEMP_LOCK]);
    errno = saved;
}

/* ---- the path ---------------------------------------------------------- */

static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* The file path names: itself, or the end of its chain of symbolic links
 * (a link is written through to its target, as a shell's `>` does). */
static ss_status resolve(ss__output *o, const char *path, ss_error *err)
{
    struct stat st;
    if (snprintf(o->shown, sizeof o->shown, "%s", path) >=
        (int)sizeof o->shown)
        return ss_error_set(err, SS_ERR_USAGE, "'%.200s...': path too long",
                            path);
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        snprintf(o->path, sizeof o->path, "%s", path);
        return SS_OK;
    }
    char *target = realpath(path, NULL);
    if (!target)
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' is a symbolic link to a missing file (or "
                            "a loop): name the file itself",
                            path);
    int n = snprintf(o->path, sizeof o->path, "%s", target);
    free(target);
    if (n >= (int)sizeof o->path)
        return ss_error_set(err, SS_ERR_USAGE, "'%s': its target's path is "
                                               "too long", path);
    return SS_OK;
}

/* ---- the lock ---------------------------------------------------------- */

/* "PID on HOST" of the writer whose lock file is at fd ("another
 * process" when it says nothing readable). */
static void lock_owner(int fd, char *buf, size_t size)
{
    char text[300];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    long pid = 0;
    char host[256] = "";
    if (n > 0) {
        text[n] = '\0';
        if (sscanf(text, "%ld %255s", &pid, host) == 2 && pid > 0) {
            snprintf(buf, size, "process %ld on %s", pid, host);
            return;
        }
    }
    snprintf(buf, size, "another process");
}

/* Takes the lock FILE.lock of the output: one writer per output, whoever
 * else has HDF5's own file locking turned off. A POSIX record lock dies
 * with its process, so a killed run leaves no lock that needs removing;
 * the lock file itself is opened without following links and never
 * truncated, and the lock counts only while the file at the path is the
 * one locked (a writer that finishes removes it). */
static ss_status take_lock(ss__output *o, bool exists, ss_error *err)
{
    if (snprintf(o->lock_path, sizeof o->lock_path, "%s.lock", o->path) >=
        (int)sizeof o->lock_path)
        return ss_error_set(err, SS_ERR_USAGE, "'%s': path too long",
                            o->shown);
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(o->lock_path,
                      O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            if (e == ELOOP)
                return ss_error_set(err, SS_ERR_USAGE,
                                    "cannot lock '%s': '%s' is a symbolic "
                                    "link (planted?); remove it",
                                    o->shown, o->lock_path);
            /* mostly the directory's fault: say it of the output */
            return ss_error_set(err, SS_ERR_IO, "cannot %s '%s': %s",
                                exists ? "write" : "create", o->shown,
                                strerror(e));
        }
        struct stat mine, now;
        if (fstat(fd, &mine) != 0 || !S_ISREG(mine.st_mode)) {
            close(fd);
            return ss_error_set(err, SS_ERR_USAGE,
                                "cannot lock '%s': '%s' is not a regular "
                                "file; remove it",
                                o->shown, o->lock_path);
        }
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &lk) != 0) {
            int e = errno;
            if (e == EAGAIN || e == EACCES) {
                char owner[320];
                lock_owner(fd, owner, sizeof owner);
                close(fd);
                ss_error_set(err, SS_ERR_USAGE,
                             "'%s' is being written by synsweep (%s; lock "
                             "'%s'): one writer per file",
                             o->shown, owner, o->lock_path);
                ss_error_hint(err, "wait for that run to end, or stop it "
                                   "(it can be resumed)");
                return SS_ERR_USAGE;
            }
            /* a file system without locks (some Lustre and NFS mounts):
             * go on unlocked rather than not at all */
            fprintf(stderr,
                    "synsweep: warning: cannot lock '%s' (%s): make sure "
                    "no other run writes '%s'\n",
                    o->lock_path, strerror(e), o->shown);
        }
        /* the lock counts only on the file at the path: a writer that
         * finished may have removed the one just opened */
        if (lstat(o->lock_path, &now) == 0 && now.st_dev == mine.st_dev &&
            now.st_ino == mine.st_ino) {
            char host[256] = "?", text[320];
            gethostname(host, sizeof host - 1);
            host[sizeof host - 1] = '\0';
            int n = snprintf(text, sizeof text, "%ld %s\n", (long)getpid(),
                             host);
            if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
                /* the lock holds; only the owner's name is lost */
            }
            o->lock_fd = fd;
            arm(TEMP_LOCK, o->lock_path);
            return SS_OK;
        }
        close(fd);
    }
    return ss_error_set(err, SS_ERR_IO, "cannot lock '%s': '%s' keeps "
                                        "changing", o->shown, o->lock_path);
}

/* Removes what killed runs of this output left: their private
 * directories FILE.creating-XXXXXX and FILE.compacting-XXXXXX (ours, with
 * at most one file in them). Safe: the lock says no run is using them. */
static void remove_stale(const ss__output *o)
{
    char dir[SS__H5_PATH_MAX];
    ss__h5_dir_of(o->path, dir, sizeof dir);
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    size_t len = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return;
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *rest = e->d_name + len;
        if (strncmp(e->d_name, base, len) != 0 ||
            (strncmp(rest, ".creating-", 10) != 0 &&
             strncmp(rest, ".compacting-", 12) != 0))
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (sub < 0)
            continue;
        unlinkat(sub, base, 0);
        close(sub);
        unlinkat(dfd, e->d_name, AT_REMOVEDIR); /* fails unless empty */
    }
    closedir(d);
}

/* ---- room on the disk ------------------------------------------------ */

int ss__h5_reserve(const char *file)
{
    int fd = open(file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    int e = 0;
    /* blocks allocated, nothing written (they read as zeros): cheap on
     * the file systems that have it, and the ones that have not are left
     * sparse rather than written */
    if (fstat(fd, &st) != 0)
        e = errno;
    else if (st.st_size > 0 && fallocate(fd, 0, 0, st.st_size) != 0 &&
             errno != EOPNOTSUPP && errno != ENOSYS)
        e = errno;
    close(fd);
    return e;
}

/* ---- begin, make, commit, end ----------------------------------------- */

ss_status ss__output_begin(ss__output *o, const char *path, bool force,
                           bool must_exist, ss_error *err)
{
    memset(o, 0, sizeof *o);
    o->lock_fd = -1;
    ss_status st = resolve(o, path, err);
    if (st != SS_OK)
        return st;
    struct stat now;
    bool exists = stat(o->path, &now) == 0;
    if (exists && !S_ISREG(now.st_mode))
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' is %s, not a regular file: refusing to "
                            "write it (name a regular file or a new path)",
                            o->shown, kind_of(now.st_mode));
    if (must_exist && !exists)
        return ss_error_set(err, SS_ERR_IO, "cannot resume '%s': %s",
                            o->shown, strerror(ENOENT));
    if (!must_exist && exists && !force)
        return ss_error_set(err, SS_ERR_USAGE,
                            "'%s' exists; use --force to overwrite it",
                            o->shown);
    sigset_t old;
    if (!begin_making(&old))
        return ss_error_set(err, SS_ERR_INTR, "stopped at once");
    st = take_lock(o, exists, err);
    end_making(&old);
    if (st != SS_OK)
        return st;
    remove_stale(o);
    if (exists) { /* what --force (or --resume) named, and nothing else */
        o->replaceable = true;
        o->dev = now.st_dev;
        o->ino = now.st_ino;
    }
    return SS_OK;
}

ss_status ss__output_make(ss__output *o, const char *what, ss_error *err)
{
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    if (snprintf(o->temp_dir, sizeof o->temp_dir, "%s.%s-XXXXXX", o->path,
                 what) >= (int)sizeof o->temp_dir ||
        snprintf(o->temp_file, sizeof o->temp_file, "%s/%s", o->temp_dir,
                 base) >= (int)sizeof o->temp_file) {
        o->temp_dir[0] = o->temp_file[0] = '\0';
        return ss_error_set(err, SS_ERR_USAGE, "cannot create '%s': path "
                                               "too long", o->shown);
    }
    sigset_t old;
    if (!begin_making(&old)) {
        o->temp_dir[0] = o->temp_file[0] = '\0';
        return ss_error_set(err, SS_ERR_INTR, "stopped at once");
    }
    /* a directory only this user can enter: nobody can plant a link in
     * it, and the file in it is created exclusively */
    if (!mkdtemp(o->temp_dir)) {
        int e = errno;
        end_making(&old);
        o->temp_dir[0] = o->temp_file[0] = '\0';
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s",
                            o->shown, strerror(e));
    }
    /* the same length: mkdtemp only filled in the X's */
    memcpy(o->temp_file, o->temp_dir, strlen(o->temp_dir));
    arm(TEMP_DIR, o->temp_dir);
    arm(TEMP_FILE, o->temp_file);
    end_making(&old);
    return SS_OK;
}

void ss__output_discard(ss__output *o)
{
    if (!o->temp_dir[0])
        return;
    unlink(o->temp_file);
    rmdir(o->temp_dir);
    disarm(TEMP_FILE);
    disarm(TEMP_DIR);
    o->temp_dir[0] = o->temp_file[0] = '\0';
}

/* Renames from to to unless something is at to. */
static int rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* a file system without it: link fails on an existing name too */
    if (link(from, to) != 0)
        return -1;
    unlink(from);
    return 0;
}

ss_status ss__output_commit(ss__output *o, ss_error *err)
{
    /* the file about to be moved, known by its inode: whatever is at the
     * path by the time anyone looks again may be another one */
    struct stat made, now;
    if (lstat(o->temp_file, &made) != 0) {
        int e = errno;
        ss__output_discard(o);
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s",
                            o->shown, strerror(e));
    }
    int rc;
    if (lstat(o->path, &now) != 0) {
        rc = rename_noreplace(o->temp_file, o->path);
    } else if (o->replaceable && S_ISREG(now.st_mode) &&
               now.st_dev == o->dev && now.st_ino == o->ino) {
        rc = rename(o->temp_file, o->path);
    } else {
        errno = EEXIST;
        rc = -1;
    }
    if (rc != 0) {
        int e = errno;
        ss__output_discard(o);
        if (e == EEXIST)
            return ss_error_set(err, SS_ERR_IO,
                                "'%s' was replaced by another file while "
                                "this run wrote it: left that file alone",
                                o->shown);
        return ss_error_set(err, SS_ERR_IO, "cannot create '%s': %s",
                            o->shown, strerror(e));
    }
    disarm(TEMP_FILE);
    rmdir(o->temp_dir);
    disarm(TEMP_DIR);
    o->temp_dir[0] = o->temp_file[0] = '\0';
    /* the file just moved to the path is this run's own: it may replace
     * that one, and nothing else */
    o->replaceable = true;
    o->dev = made.st_dev;
    o->ino = made.st_ino;
    return SS_OK;
}

void ss__output_end(ss__output *o)
{
    ss__output_discard(o);
    if (o->lock_fd >= 0) {
        /* removed while still held: whoever opened it meanwhile finds the
         * path gone or another file, and tries again */
        unlink(o->lock_path);
        disarm(TEMP_LOCK);
        close(o->lock_fd);
        o->lock_fd = -1;
    }
}
