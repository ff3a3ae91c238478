/* sched-vfs.c: the scheduler's SQLite VFS — the platform's own, with the
 * WAL's writes of one commit gathered into one system call.
 *
 * SQLite writes each frame of the write-ahead log in two calls, its
 * 24-byte header and its page, and a booking's commit has a dozen frames
 * or more: on this system the second call of a pair and the page it
 * straddles cost more than the copy itself (1.7 against 0.65 us a frame).
 * Here a write that continues the one before is kept in a buffer and the
 * buffer is written whole before anything can depend on it: before the
 * log is synced (a commit with synchronous=FULL syncs before it is
 * published), read, sized, truncated or closed, and at every barrier on
 * the shared-memory index (a commit is published behind one, whatever the
 * synchronous setting).  So no reader, in this process or another, can
 * see a frame that is not in the file, and a crash loses only what no
 * commit had acknowledged.  Every other file passes straight through.
 */
#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "config.h"

#include <string.h>

#include "sched-vfs.h"

/* a commit's frames (thirty of 4 KiB), and then some: a longer run is
 * written in parts.  No more: the unix VFS writes at most 128 KiB - 1 in
 * one call, and reports a longer write as a full disk. */
#define BUFFER_BYTES (124 * 1024)

typedef struct BatchFile BatchFile;

struct BatchFile
{
  sqlite3_file base;
  sqlite3_file *real; /* right behind this struct, in SQLite's allocation */
  gboolean wal;
  /* the pending run of a WAL file: length bytes due at offset */
  char *buffer;
  gsize length;
  sqlite3_int64 offset;
  BatchFile *next_wal;
};

static sqlite3_vfs batch_vfs;
static sqlite3_vfs *real_vfs;
/* every open WAL file, for the barriers; and what guards their buffers
 * (a barrier comes from any connection's thread) */
static GMutex wal_lock;
static BatchFile *wals;

#define REAL(file) (((BatchFile *) (file))->real)

/* Writes the pending run; with wal_lock held. */
static int
flush_locked (BatchFile *self)
{
  int rc;

  if (self->length == 0)
    return SQLITE_OK;
  rc = self->real->pMethods->xWrite (self->real, self->buffer, (int) self->length, self->offset);
  self->length = 0;
  return rc;
}

static int
flush (BatchFile *self)
{
  int rc;

  if (!self->wal)
    return SQLITE_OK;
  g_mutex_lock (&wal_lock);
  rc = flush_locked (self);
  g_mutex_unlock (&wal_lock);
  return rc;
}

static int
batch_close (sqlite3_file *file)
{
  BatchFile *self = (BatchFile *) file;
  int rc = flush (self);
  int closed;

  if (self->wal)
    {
      g_mutex_lock (&wal_lock);
      for (BatchFile **link = &wals; *link != NULL; link = &(*link)->next_wal)
        if (*link == self)
          {
            *link = self->next_wal;
            break;
          }
      g_mutex_unlock (&wal_lock);
      g_free (self->buffer);
    }
  closed = self->real->pMethods->xClose (self->real);
  return rc != SQLITE_OK ? rc : closed;
}

static int
batch_read (sqlite3_file *file, void *data, int amount, sqlite3_int64 offset)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xRead (REAL (file), data, amount, offset);
}

static int
batch_write (sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
  BatchFile *self = (BatchFile *) file;
  int rc = SQLITE_OK;

  if (!self->wal)
    return self->real->pMethods->xWrite (self->real, data, amount, offset);
  g_mutex_lock (&wal_lock);
  if (self->length > 0
      && (offset != self->offset + (sqlite3_int64) self->length
          || self->length + (gsize) amount > BUFFER_BYTES))
    rc = flush_locked (self);
  if (rc == SQLITE_OK && (gsize) amount > BUFFER_BYTES)
    rc = self->real->pMethods->xWrite (self->real, data, amount, offset);
  else if (rc == SQLITE_OK)
    {
      if (self->length == 0)
        self->offset = offset;
      memcpy (self->buffer + self->length, data, amount);
      self->length += amount;
    }
  g_mutex_unlock (&wal_lock);
  return rc;
}

static int
batch_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
batch_sync (sqlite3_file *file, int flags)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
batch_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
batch_lock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xLock (REAL (file), level);
}

static int
batch_unlock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), level);
}

static int
batch_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
batch_file_control (sqlite3_file *file, int op, void *arg)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
batch_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
batch_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

static int
batch_shm_map (sqlite3_file *file, int page, int page_size, int extend, void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), page, page_size, extend, out);
}

static int
batch_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

/* A commit is published in the shared-memory index behind a barrier:
 * every pending frame reaches the file first. */
static void
batch_shm_barrier (sqlite3_file *file)
{
  g_mutex_lock (&wal_lock);
  for (BatchFile *wal = wals; wal != NULL; wal = wal->next_wal)
    flush_locked (wal);
  g_mutex_unlock (&wal_lock);
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
batch_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
batch_fetch (sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
  int rc = flush ((BatchFile *) file);

  return rc != SQLITE_OK ? rc : REAL (file)->pMethods->xFetch (REAL (file), offset, amount, out);
}

static int
batch_unfetch (sqlite3_file *file, sqlite3_int64 offset, void *page)
{
  return REAL (file)->pMethods->xUnfetch (REAL (file), offset, page);
}

static const sqlite3_io_methods batch_methods = {
  .iVersion = 3,
  .xClose = batch_close,
  .xRead = batch_read,
  .xWrite = batch_write,
  .xTruncate = batch_truncate,
  .xSync = batch_sync,
  .xFileSize = batch_file_size,
  .xLock = batch_lock,
  .xUnlock = batch_unlock,
  .xCheckReservedLock = batch_check_reserved_lock,
  .xFileControl = batch_file_control,
  .xSectorSize = batch_sector_size,
  .xDeviceCharacteristics = batch_device_characteristics,
  .xShmMap = batch_shm_map,
  .xShmLock = batch_shm_lock,
  .xShmBarrier = batch_shm_barrier,
  .xShmUnmap = batch_shm_unmap,
  .xFetch = batch_fetch,
  .xUnfetch = batch_unfetch,
};

static int
batch_open (sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
  BatchFile *self = (BatchFile *) file;
  int rc;

  memset (self, 0, sizeof *self);
  self->real = (sqlite3_file *) (self + 1);
  rc = real_vfs->xOpen (real_vfs, name, self->real, flags, out_flags);
  if (rc != SQLITE_OK || self->real->pMethods == NULL)
    {
      /* SQLite calls no method of a file that did not open */
      self->base.pMethods = NULL;
      return rc;
    }
  /* methods of version 3 need a real file of version 3 (the unix one is) */
  if (self->real->pMethods->iVersion < 3)
    {
      self->real->pMethods->xClose (self->real);
      return SQLITE_CANTOPEN;
    }
  self->wal = (flags & SQLITE_OPEN_WAL) != 0;
  if (self->wal)
    {
      self->buffer = g_malloc (BUFFER_BYTES);
      g_mutex_lock (&wal_lock);
      self->next_wal = wals;
      wals = self;
      g_mutex_unlock (&wal_lock);
    }
  self->base.pMethods = &batch_methods;
  return SQLITE_OK;
}

static int
batch_delete (sqlite3_vfs *vfs, const char *name, int sync_dir)
{
  return real_vfs->xDelete (real_vfs, name, sync_dir);
}

static int
batch_access (sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  return real_vfs->xAccess (real_vfs, name, flags, out);
}

static int
batch_full_pathname (sqlite3_vfs *vfs, const char *name, int size, char *out)
{
  return real_vfs->xFullPathname (real_vfs, name, size, out);
}

static int
batch_randomness (sqlite3_vfs *vfs, int size, char *out)
{
  return real_vfs->xRandomness (real_vfs, size, out);
}

static int
batch_sleep (sqlite3_vfs *vfs, int microseconds)
{
  return real_vfs->xSleep (real_vfs, microseconds);
}

static int
batch_current_time_int64 (sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  return real_vfs->xCurrentTimeInt64 (real_vfs, out);
}

static int
batch_current_time (sqlite3_vfs *vfs, double *out)
{
  return real_vfs->xCurrentTime (real_vfs, out);
}

static int
batch_get_last_error (sqlite3_vfs *vfs, int size, char *out)
{
  return real_vfs->xGetLastError (real_vfs, size, out);
}

/**
 * sched_vfs_name:
 *
 * Registers the VFS on first use (not as the default).
 *
 * Returns: (transfer none): its name, for sqlite3_open_v2().
 */
const char *
sched_vfs_name (void)
{
  static gsize registered;

  if (g_once_init_enter (&registered))
    {
      real_vfs = sqlite3_vfs_find (NULL);
      batch_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int) sizeof (BatchFile) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = "hoinghi-wal-batch",
        .xOpen = batch_open,
        .xDelete = batch_delete,
        .xAccess = batch_access,
        .xFullPathname = batch_full_pathname,
        .xRandomness = batch_randomness,
        .xSleep = batch_sleep,
        .xCurrentTime = batch_current_time,
        .xCurrentTimeInt64 = batch_current_time_int64,
        .xGetLastError = batch_get_last_error,
      };
      sqlite3_vfs_register (&batch_vfs, 0);
      g_once_init_leave (&registered, 1);
    }
  return batch_vfs.zName;
}
