/* hn-exit.h: exit codes shared by every hoinghi program. */
#pragma once

#define HN_EXIT_OK 0      /* done */
#define HN_EXIT_FAILURE 1 /* something outside the command line failed */
#define HN_EXIT_USAGE 2   /* the command line or configuration is wrong */
