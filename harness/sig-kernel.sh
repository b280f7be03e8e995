#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the signature-policy variant of the guest kernel: config/sig.config
# over the project fragment, trusting a test key made here once. Prints the
# bzImage's path; the keys are in $SAVEOOPS_CACHE/sigkey/{trusted,other}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

keys=$SAVEOOPS_CACHE/sigkey
mkdir -p "$keys"
for k in trusted other; do
	[ -f "$keys/$k.pem" ] && continue
	openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 36500 \
		-subj "/CN=saveoops $k test key/" \
		-keyout "$keys/$k.key" -out "$keys/$k.pem" 2>/dev/null
done
printf 'CONFIG_SYSTEM_TRUSTED_KEYS="%s"\n' "$keys/trusted.pem" > "$keys/keys.config"

export SAVEOOPS_BUILD=$SAVEOOPS_CACHE/build-sig
"$SAVEOOPS_TOP/harness/build-kernel.sh" "$SAVEOOPS_TOP/config/qemu-x86_64.config" \
	"$SAVEOOPS_TOP/config/sig.config" "$keys/keys.config" >&2
echo "$SAVEOOPS_BUILD/arch/x86/boot/bzImage"
