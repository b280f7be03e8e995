#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the signature-policy variant of the guest kernel: config/sig.config
# over the project fragment, trusting a test key made here once. Prints the
# bzImage's path; the keys are in $SAVEOOPS_CACHE/sigkey/{trusted,other}.
# With --force, the variant with config/sigforce.config over that, built
# from a copy of the first one's objects.
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

frags=("$SAVEOOPS_TOP/config/qemu-x86_64.config" "$SAVEOOPS_TOP/config/sig.config"
	"$keys/keys.config")
export SAVEOOPS_BUILD=$SAVEOOPS_CACHE/build-sig
"$SAVEOOPS_TOP/harness/build-kernel.sh" "${frags[@]}" >&2
if [ "${1:-}" = --force ]; then
	export SAVEOOPS_BUILD_FROM=$SAVEOOPS_BUILD SAVEOOPS_BUILD=$SAVEOOPS_CACHE/build-sigforce
	"$SAVEOOPS_TOP/harness/build-kernel.sh" "${frags[@]}" \
		"$SAVEOOPS_TOP/config/sigforce.config" >&2
fi
echo "$SAVEOOPS_BUILD/arch/x86/boot/bzImage"
