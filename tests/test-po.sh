#!/bin/sh
# test-po.sh: the Vietnamese catalogue is complete and every source file
# that marks strings for translation is listed in po/POTFILES.in.  TAP.
set -u
srcdir=${HN_TOP_SRCDIR:?run through make check}
n=0
fail=0

ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

echo "1..3"

stats=$(msgfmt --check --statistics -o /dev/null "$srcdir/po/vi.po" 2>&1)
if [ $? -eq 0 ]; then ok "vi.po compiles with --check"; else not_ok "vi.po compiles: $stats"; fi

case "$stats" in
  *untranslated*|*fuzzy*) not_ok "vi.po is complete: $stats" ;;
  *) ok "vi.po is complete: $stats" ;;
esac

missing=""
for f in $(cd "$srcdir" && grep -rlE '(^|[^A-Za-z0-9_])N?_ ?\("' --include='*.c' libhoinghi mcu scheduler endpoints ui-gtk cli); do
  grep -qx "$f" "$srcdir/po/POTFILES.in" || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "POTFILES.in lists every translated file"; else not_ok "POTFILES.in misses:$missing"; fi

exit $fail
