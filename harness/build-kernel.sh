#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the composed tree: tinyconfig plus the fragment(s),
# bzImage compiled through ccache into an object directory outside the repo.
#
#   build-kernel.sh [--config-only] [FRAGMENT...]
#
# Default fragment: config/qemu-x86_64.config. --config-only stops after
# generating and checking the config, without installing it or building.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kbuild_env

kmake()
{
	make -s -C "$SAVEOOPS_TREE" O="$1" CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(nproc)" "${@:2}"
}

# Build the config in a scratch directory and install it only when it
# differs, so an unchanged config does not touch the object tree.
make_config()
{
	local scratch=$SAVEOOPS_BUILD.kconfig

	mkdir -p "$scratch" "$SAVEOOPS_BUILD"
	kmake "$scratch" tinyconfig >/dev/null
	"$SAVEOOPS_TREE/scripts/kconfig/merge_config.sh" -m -Q -O "$scratch" \
		"$scratch/.config" "$@" >/dev/null
	kmake "$scratch" olddefconfig >/dev/null
	check_config "$scratch/.config" "$@"
	[ "$config_only" = 0 ] || return 0
	cmp -s "$scratch/.config" "$SAVEOOPS_BUILD/.config" ||
		cp "$scratch/.config" "$SAVEOOPS_BUILD/.config"
}

# Each symbol's value from the last fragment that sets it, as
# merge_config.sh applies them, must be what olddefconfig kept.
check_config()
{
	local config=$1 line sym bad=0

	shift
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			grep -q "^$sym=" "$config" || continue ;;
		esac
		echo "saveoops: '$line' did not survive olddefconfig" >&2
		bad=1
	done < <(effective_settings "$@")
	[ $bad -eq 0 ] || die "config fragment not applied; fix its dependencies"
}

effective_settings()
{
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1 &/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 &/p' "$@" |
		awk '{ sym = $1; sub(/^[^ ]* /, ""); last[sym] = $0; order[sym] = NR }
		     END { for (s in last) print order[s], last[s] }' |
		sort -n | cut -d' ' -f2-
}

config_only=0

main()
{
	local frags version from

	if [ "${1:-}" = --config-only ]; then
		config_only=1
		shift
	fi
	frags=("$@")
	[ ${#frags[@]} -gt 0 ] || frags=("$SAVEOOPS_TOP/config/qemu-x86_64.config")
	"$SAVEOOPS_TOP/harness/compose.sh"
	# Tests build variants in parallel: one build per object tree at a time.
	mkdir -p "$SAVEOOPS_BUILD"
	exec 9> "$SAVEOOPS_BUILD.lock"
	flock 9
	# A variant a few options away from another starts from a copy of that
	# one's objects: kbuild then compiles again only what the options touch.
	# It starts again from a new copy whenever that one's config changed
	# (an option most files see would otherwise recompile nearly all of
	# this one in place); the config it was copied at is in BUILD.from.
	if [ -n "${SAVEOOPS_BUILD_FROM:-}" ] && [ -f "$SAVEOOPS_BUILD_FROM/.config" ]; then
		from=$(sha256sum < "$SAVEOOPS_BUILD_FROM/.config")
		if [ ! -f "$SAVEOOPS_BUILD/.config" ] ||
		   [ "$(cat "$SAVEOOPS_BUILD.from" 2>/dev/null)" != "$from" ]; then
			note "starting $SAVEOOPS_BUILD from a copy of $SAVEOOPS_BUILD_FROM"
			rm -rf "$SAVEOOPS_BUILD" "$SAVEOOPS_BUILD.from"
			mkdir -p "$SAVEOOPS_BUILD"
			(flock 7 && cp -a "$SAVEOOPS_BUILD_FROM/." "$SAVEOOPS_BUILD/") \
				7> "$SAVEOOPS_BUILD_FROM.lock"
			echo "$from" > "$SAVEOOPS_BUILD.from"
		fi
	fi
	version=$(cat "$SAVEOOPS_CACHE/base.version")
	note "base: $SAVEOOPS_SRC_PKG $version, Linux $(make -s -C "$SAVEOOPS_TREE" kernelversion)"
	make_config "${frags[@]}"
	[ "$config_only" = 0 ] || return 0
	kmake "$SAVEOOPS_BUILD" bzImage
	note "built $SAVEOOPS_BZIMAGE ($(stat -c %s "$SAVEOOPS_BZIMAGE") bytes)"
}

main "$@"
