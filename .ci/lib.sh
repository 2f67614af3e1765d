# shellcheck shell=bash
# Shared by .ci/run (CI) and .ci/bench (the benchmark): the pinned tool
# versions, step timing and the installers. Source it from the repository
# root with errexit on; it sets PATH and GOTOOLCHAIN.

export PATH="/usr/local/go/bin:$PATH"
export GOTOOLCHAIN=local # never download a toolchain

MAILPIT_VERSION=v1.33.1
STATICCHECK_VERSION=v0.8.2
GOVULNCHECK_VERSION=v1.9.0

now_ms() { date +%s%3N; }
fmt_ms() { printf '%d.%01ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }
T0=$(now_ms)
# What a failed step fails ("CI failed after 3.2s").
STEP_WHAT=${STEP_WHAT:-CI}

# step NAME CMD...: runs CMD with errexit in a subshell and prints its time.
step() {
	local name=$1
	shift
	local start rc
	start=$(now_ms)
	printf '\n==> %s\n' "$name"
	set +e
	(
		set -e
		"$@"
	)
	rc=$?
	set -e
	local took=$(($(now_ms) - start))
	if [ "$rc" -ne 0 ]; then
		printf '<== %s FAILED (exit %d) after %s\n' "$name" "$rc" "$(fmt_ms "$took")"
		printf '%s failed after %s\n' "$STEP_WHAT" "$(fmt_ms $(($(now_ms) - T0)))"
		exit "$rc"
	fi
	printf '<== %s: %s\n' "$name" "$(fmt_ms "$took")"
}

# install_packages [NEED...]: apt-get installs the Debian packages behind
# the named needs that are missing; without arguments, all of them (what
# CI needs). Needs: dovecot chromium gcc jq libc certs systemd.
install_packages() {
	local want=("$@") need=() w
	[ ${#want[@]} -gt 0 ] || want=(dovecot chromium gcc jq libc certs systemd)
	for w in "${want[@]}"; do
		case $w in
		dovecot) [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/doveadm ] || need+=(dovecot-imapd) ;;
		# the dashboard's browser test (httpapi), driven with chromedp
		chromium) command -v chromium >/dev/null || need+=(chromium) ;;
		gcc) command -v gcc >/dev/null || need+=(gcc) ;;
		# builds govulncheck's database index from the OSV records
		jq) command -v jq >/dev/null || need+=(jq) ;;
		# cgo (go-sqlite3) needs the C library headers; gcc only recommends them.
		libc) [ -e /usr/include/stdio.h ] || need+=(libc6-dev) ;;
		# The Go module proxy is reached over HTTPS.
		certs) [ -e /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates) ;;
		# systemd-analyze, systemd-sysusers and systemd-tmpfiles check the unit
		# files offline; systemd need not run (nor be PID 1).
		systemd) command -v systemd-analyze >/dev/null || need+=(systemd) ;;
		*)
			echo "install_packages: unknown need $w" >&2
			return 1
			;;
		esac
	done
	if [ ${#need[@]} -eq 0 ]; then
		echo "apt packages: all present"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages ${need[*]}; run as root to install them" >&2
		return 1
	fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
}

# go_install PKG VERSION BIN: go install PKG@VERSION unless BIN is that build.
go_install() {
	local pkg=$1 version=$2 bin
	bin="$(go env GOPATH)/bin/$3"
	if [ -x "$bin" ] && go version -m "$bin" | grep -qE "^[[:space:]]+mod[[:space:]].*[[:space:]]$version[[:space:]]"; then
		echo "$3 $version: already installed"
		return
	fi
	go install "$pkg@$version"
}

install_mailpit() {
	go_install github.com/axllent/mailpit "$MAILPIT_VERSION" mailpit
}

install_tools() {
	install_mailpit
	go_install honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION" staticcheck
	go_install golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" govulncheck
}

# go_path_setup puts the installed Go tools on PATH and, without git,
# stops go build from failing to stamp VCS info into binaries.
go_path_setup() {
	GOBIN_DIR="$(go env GOPATH)/bin"
	export PATH="$GOBIN_DIR:$PATH"
	command -v git >/dev/null || export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
}
