#!/bin/bash
# The documentation builds clean: Documentation/admin-guide/kdump with
# Sphinx (make SPHINXDIRS=admin-guide/kdump htmldocs) gives no warning and
# has our pages in its index; kernel-doc -Wall is silent on every new
# kernel source file.
. "$(dirname "$0")/../../harness/testlib.sh"

"$SAVEOOPS_TOP/harness/compose.sh" 2>/dev/null
out=$SAVEOOPS_CACHE/build-docs
html=$out/Documentation/output/admin-guide/kdump

if ! command -v sphinx-build > /dev/null; then
	tap ok "Sphinx build of admin-guide/kdump # SKIP sphinx-build is not installed"
else
	# From scratch: Sphinx repeats no warning for a page it does not rebuild.
	rm -rf "$out"
	mkdir -p "$out"
	# Debian's python3 and sphinx-build, whatever python3 comes first.
	rc=0
	PATH=/usr/bin:$PATH make -s -C "$SAVEOOPS_TREE" O="$out" SPHINXDIRS=admin-guide/kdump \
		htmldocs > "$TEST_DIR/sphinx.out" 2>&1 || rc=$?
	# sphinx-pre-install's advice about graphviz is not about our pages.
	warnings=$(grep -E 'WARNING|ERROR|CRITICAL' "$TEST_DIR/sphinx.out" | grep -v 'dot(1) not found')
	if [ $rc -eq 0 ] && [ -z "$warnings" ]; then
		tap ok "Sphinx builds admin-guide/kdump without a warning"
	else
		tap "not ok" "Sphinx builds admin-guide/kdump without a warning (rc $rc)"
		echo "$warnings" | head -20 | sed 's/^/#   /'
	fi
	# saveoops.rst documents the user-space tool, which is not in the
	# kernel series (SAVEOOPS_OUTSIDE_SERIES) and so not in the tree.
	for page in early; do
		if [ -s "$html/$page.html" ] && grep -q "href=\"$page.html\"" "$html/index.html"; then
			tap ok "$page.html is built and in the kdump index"
		else
			tap "not ok" "$page.html is built and in the kdump index"
		fi
	done
fi

while read -r f; do
	o=$(perl "$SAVEOOPS_TREE/scripts/kernel-doc" -none -Wall "$SAVEOOPS_TREE/$f" 2>&1)
	[ -z "$o" ] && tap ok "kernel-doc -Wall: $f" || {
		tap "not ok" "kernel-doc -Wall: $f"
		echo "$o" | head -10 | sed 's/^/#   /'
	}
done < <(cd "$SAVEOOPS_TOP" && git ls-files --cached --others --exclude-standard \
	'kernel/*.[ch]' 'arch/*.[ch]' 'include/*.h' 'lib/*.[ch]' 'init/*.[ch]')
done_testing
