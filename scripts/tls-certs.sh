#!/usr/bin/env bash
# Regenerates the test certificates in testdata/tls/ (openssl CLI). They are fixtures for the
# tests and benchmarks, committed so runs are deterministic; none of them is a secret.
#   ca.pem / ca.key              the test CA (valid until 2125)
#   server.pem / server.key      127.0.0.1 and localhost, signed by the CA (until 2125)
#   other-name.pem / .key        www.example.invalid only, signed by the CA (until 2125)
#   expired.pem / .key           127.0.0.1 and localhost, signed by the CA, expired in 2001
#   untrusted.pem / .key         127.0.0.1 and localhost, self-signed (no CA trusts it)
set -euo pipefail
out=${1:-$(dirname "$0")/../testdata/tls}
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ext() { # SAN... -> an extension file for a server certificate
  local f=$tmp/ext.cnf san
  san=$(IFS=,; echo "$*")
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$f"
  printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >>"$f"
  echo "$f"
}
# sign NAME CN START END SAN...: NAME.pem signed by the CA, valid from START to END
# (YYYYMMDDHHMMSSZ)
sign() {
  local name=$1 cn=$2 start=$3 end=$4
  shift 4
  key "$name.key"
  openssl req -new -key "$name.key" -subj "/O=pdhooks tests/CN=$cn" -out "$tmp/$name.csr"
  openssl x509 -req -in "$tmp/$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
    -not_before "$start" -not_after "$end" -extfile "$(ext "$@")" -out "$name.pem" 2>/dev/null ||
  # openssl before 3.2 has no -not_before/-not_after on x509: the ca command does
  sign_ca "$name" "$start" "$end" "$@"
}
sign_ca() {
  local name=$1 start=$2 end=$3
  shift 3
  mkdir -p "$tmp/db" && : >"$tmp/db/index" && openssl rand -hex 8 >"$tmp/db/serial"
  cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $tmp/db/index
serial = $tmp/db/serial
new_certs_dir = $tmp/db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
CNF
  openssl ca -batch -notext -config "$tmp/ca.cnf" -cert ca.pem -keyfile ca.key \
    -startdate "$start" -enddate "$end" -extfile "$(ext "$@")" -in "$tmp/$name.csr" \
    -out "$name.pem" 2>/dev/null
}

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj "/O=pdhooks tests/CN=pdhooks test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out ca.pem
sign server 127.0.0.1 20250101000000Z 21250101000000Z IP:127.0.0.1 DNS:localhost
sign other-name www.example.invalid 20250101000000Z 21250101000000Z DNS:www.example.invalid
sign expired 127.0.0.1 20000101000000Z 20010101000000Z IP:127.0.0.1 DNS:localhost
key untrusted.key
openssl req -x509 -new -key untrusted.key -sha256 -days 36500 \
  -subj "/O=pdhooks tests/CN=127.0.0.1" -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
  -out untrusted.pem
chmod 644 ./*.key ./*.pem
echo "tls-certs: wrote $(pwd)"
