# Shared set-up for scripts/demo, scripts/test and benchmarks. Source it from the repository root.

# Installs the Debian packages Curtail builds and runs with, when any is missing (needs root for apt-get).
ensure_system_packages() {
    local needed=(libpq-dev libssl-dev pkg-config postgresql openssl "$@")
    local missing=()
    for package in "${needed[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Waits until `url` answers 2xx, up to `seconds` (default 30).
wait_for_http() {
    local url="$1" seconds="${2:-30}"
    for _ in $(seq 1 $((seconds * 10))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for $url" >&2
    return 1
}
