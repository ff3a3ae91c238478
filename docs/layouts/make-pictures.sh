#!/bin/sh
# make-pictures.sh: the pictures of docs/LAYOUTS.md, taken from a real
# composite: an mcu on 127.0.0.1, sixteen sites sending colours (the
# province talking), and for each layout a site that watches and saves
# what it receives.
#
#   docs/layouts/make-pictures.sh [BUILD_DIR]     (default: _build)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
out="$top/docs/layouts"
work=$(mktemp -d)
port=18931
key=layout-pictures-0123456789abcdef
pids=""
trap 'kill $pids 2>/dev/null; rm -rf "$work"' EXIT INT TERM

echo "$key" > "$work/key"
"$build/mcu/hoinghi-mcu" --data-dir="$work/data" --listen=127.0.0.1:$port \
  --api-key-file="$work/key" > "$work/mcu.log" 2>&1 &
pids="$pids $!"
sleep 2
api() {
  curl -sf -H "Authorization: Bearer $key" -H "Content-Type: application/json" -X "$1" \
    ${3:+-d "$3"} "http://127.0.0.1:$port/api/v1/$2"
}
token=$(api POST rooms '{"id":"giao-ban","name":"Giao ban"}' |
  sed 's/.*"join_token" *: *"\([^"]*\)".*/\1/')

site() { # NAME COLOUR [OPTION]
  "$build/endpoints/hoinghi-endpoint" --mcu=http://127.0.0.1:$port --room=giao-ban \
    --token="$token" --name="$1" --test-color="$2" --check --duration=600 "${3:---silent}" \
    > /dev/null 2>"$work/site-$2.log" &
  pids="$pids $!"
}
site "UBND tỉnh Vĩnh Phúc" c0392b --test-tone=440
site "UBND TP Vĩnh Yên" 2980b9
site "UBND TP Phúc Yên" 27ae60
site "UBND huyện Lập Thạch" 8e44ad
site "UBND huyện Tam Dương" d35400
site "UBND huyện Tam Đảo" 16a085
site "UBND huyện Bình Xuyên" f39c12
site "UBND huyện Yên Lạc" 2c3e50
site "UBND huyện Vĩnh Tường" 7f8c8d
site "UBND huyện Sông Lô" e84393
site "UBND xã Đạo Trù" 00cec9
site "UBND xã Hợp Châu" 6c5ce7
site "UBND thị trấn Tam Sơn" fdcb6e
site "UBND xã Đại Đình" b33771
site "UBND xã Bồ Lý" 3d3d3d
site "UBND xã Yên Dương" 218c74
sleep 8

for layout in auto 1x1 2x2 3x3 4x4 1+5 1+7 1+12; do
  api PUT rooms/giao-ban/layout "{\"layout\":\"$layout\"}" > /dev/null
  "$build/endpoints/hoinghi-endpoint" --mcu=http://127.0.0.1:$port --room=giao-ban \
    --token="$token" --name="Bàn kỹ thuật" --check --silent --duration=4 \
    --snapshot="$out/layout-$layout.png" > "$work/watch-$layout.json" 2>"$work/watch.log" ||
    { cat "$work/watch-$layout.json" "$work/watch.log" "$work/mcu.log" >&2; exit 1; }
  echo "$out/layout-$layout.png"
done
