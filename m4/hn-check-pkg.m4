# HN_CHECK_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGES)
# ------------------------------------------------------
# Like PKG_CHECK_MODULES, but a missing module stops configure with the
# name of the Debian package that provides it, so a newcomer knows what
# to install (./quickstart installs all of them).
AC_DEFUN([HN_CHECK_PKG],
[PKG_CHECK_MODULES([$1], [$2], [],
  [AC_MSG_ERROR([$$1_PKG_ERRORS

hoinghi needs $2.
Install the Debian package: apt-get install $3
(or run ./quickstart, which installs everything in data/debian-packages.txt)])])
])
