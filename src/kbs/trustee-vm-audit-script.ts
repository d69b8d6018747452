/** Where the audit shipper keeps its journal cursor (on the confidential OS disk, so a reboot loses no line). */
export const KBS_AUDIT_CURSOR = '/var/lib/kbs/audit.cursor';

/** The Blob REST API version the shipper speaks. */
const BLOB_API_VERSION = '2021-08-06';

/**
 * The audit shipper of the Trustee VM (bash; needs curl, jq, journalctl). Every minute (a systemd timer) it reads the
 * `kbs` unit's journal lines after its saved cursor and appends them to the append blob `<hostname>/<UTC date>.log` of
 * the audit container (Blob REST API `Put Blob` with `x-ms-blob-type: AppendBlob` when the blob does not exist yet,
 * then `Append Block`, at most 4 MiB each), with the VM's managed identity (IMDS token for https://storage.azure.com/).
 * The cursor moves only once every block is written: a failed run sends the same lines again (a line may then appear
 * twice, never zero times). The container's immutability policy keeps what is written from being changed or deleted.
 */
export const KBS_AUDIT_SHIP_SCRIPT = String.raw`#!/bin/bash
# kbs-audit-ship: appends the KBS's journal lines to the model owner's write-once audit container.
set -euo pipefail
shopt -s inherit_errexit
KBS_CONFIG_DIR=${'${'}KBS_CONFIG_DIR:-/etc/kbs}
# AUDIT_ACCOUNT, AUDIT_CONTAINER, AUDIT_CURSOR
. "$KBS_CONFIG_DIR/audit.env"
umask 077
dir=$(mktemp -d "${'${'}TMPDIR:-/tmp}/kbs-audit.XXXXXX")
trap 'rm -rf "$dir"' EXIT

args=(--unit kbs.service --output short-iso-precise --no-pager --quiet --show-cursor)
if [ -s "$AUDIT_CURSOR" ]; then args+=(--after-cursor "$(cat "$AUDIT_CURSOR")"); fi
journalctl "${'${'}args[@]}" > "$dir/journal"
# --show-cursor ends the output with "-- cursor: <cursor>" when there was at least one entry.
cursor=$(sed -n 's/^-- cursor: //p' "$dir/journal" | tail -n 1)
[ -n "$cursor" ] || exit 0
grep -v '^-- cursor: ' "$dir/journal" > "$dir/lines" || true

token=$(curl -sf --retry 5 -H Metadata:true \
  "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F" | jq -er .access_token)
blob="https://$AUDIT_ACCOUNT.blob.core.windows.net/$AUDIT_CONTAINER/$(hostname)/$(date -u +%F).log"
# Sends request $1 (PUT) to $2 with the body file $3 and extra headers; prints the HTTP status.
put() {
  local url=$1 body=$2
  shift 2
  curl -s --retry 5 -o "$dir/answer" -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
    -H "x-ms-version: ${BLOB_API_VERSION}" -H "x-ms-date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
    "$@" --data-binary "@$body" "$url" || echo 000
}
: > "$dir/empty"
# Creates the day's append blob; 409 or 412: it exists already.
code=$(put "$blob" "$dir/empty" -H 'x-ms-blob-type: AppendBlob' -H 'If-None-Match: *')
case $code in
  201 | 409 | 412) ;;
  *)
    echo "kbs-audit-ship: creating $blob answered HTTP $code" >&2
    exit 1
    ;;
esac
if [ -s "$dir/lines" ]; then
  split -b 4000000 -d -a 4 "$dir/lines" "$dir/block."
  for block in "$dir"/block.*; do
    code=$(put "$blob?comp=appendblock" "$block")
    if [ "$code" != 201 ]; then
      echo "kbs-audit-ship: Append Block to $blob answered HTTP $code; the lines will be sent again" >&2
      exit 1
    fi
  done
fi
printf '%s' "$cursor" > "$AUDIT_CURSOR.new"
mv -f "$AUDIT_CURSOR.new" "$AUDIT_CURSOR"
`;
