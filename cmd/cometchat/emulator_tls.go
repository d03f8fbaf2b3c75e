package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
)

// printTrustHelp prints how to trust the emulator's self-signed certificate
// (written to certPath) from the clients developers use with it. The
// certificate is new on every start, so the trust step is repeated after a
// restart (the SPKI pin changes too).
func printTrustHelp(w io.Writer, certPath string, certPEM []byte, baseURL string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("  Trust it (the certificate changes at every start):")
	p("    curl        curl --cacert %s %s/v3/users -H 'apikey: <REST API Key>'", certPath, baseURL)
	p("    Go          pool := x509.NewCertPool(); pool.AppendCertsFromPEM(<%s>)", certPath)
	p("                then AppSettings.HTTPClient with tls.Config{RootCAs: pool}")
	p("    Node        NODE_EXTRA_CA_CERTS=%s node app.js", certPath)
	if pin := spkiPin(certPEM); pin != "" {
		p("    Chromium    chromium --user-data-dir=/tmp/cometchat-dev-profile \\")
		p("                  --ignore-certificate-errors-spki-list=%s", pin)
	}
	p("    Chrome/NSS  certutil -d sql:$HOME/.pki/nssdb -A -t 'P,,' -n cometchat-emulator -i %s", certPath)
	p("    Firefox     open %s/emulator/ once and accept the exception", baseURL)
}

// spkiPin is the base64 SHA-256 of the certificate's public key: the value
// Chromium's --ignore-certificate-errors-spki-list takes.
func spkiPin(certPEM []byte) string {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return ""
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
