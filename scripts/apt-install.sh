#!/bin/bash
# apt-install.sh - installs the Debian packages named on the command line
# that are not installed yet (apt-get update first, only when needed).
# nodejs and npm count as present when their commands exist, so that a
# nodejs from another source (which ships npm and conflicts with Debian's
# npm package) is left alone.  Run as root.
set -euo pipefail

missing=()
for p in "$@"; do
	case $p in
	nodejs) command -v node > /dev/null && continue ;;
	npm) command -v npm > /dev/null && continue ;;
	esac
	if ! dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "apt-install: all ${#} packages present"
	exit 0
fi
echo "apt-install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
