package emulator

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelfSignedCert(t *testing.T) {
	cert, certPEM, tlsCert, err := selfSignedCert("10.1.2.3:443")
	require.NoError(t, err)
	block, _ := pem.Decode(certPEM)
	require.NotNil(t, block)
	assert.Equal(t, "CERTIFICATE", block.Type)
	_, isECDSA := cert.PublicKey.(*ecdsa.PublicKey)
	assert.True(t, isECDSA)
	assert.Contains(t, cert.DNSNames, "localhost")
	for _, ip := range []string{"127.0.0.1", "::1", "10.1.2.3"} {
		assert.NoError(t, cert.VerifyHostname(ip), ip)
	}
	assert.False(t, cert.IsCA, "browsers refuse CA certificates as server certificates")
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, cert.ExtKeyUsage)
	assert.Same(t, cert, tlsCert.Leaf)

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"})
	assert.NoError(t, err, "trusting the certificate itself is enough")

	cert, _, _, err = selfSignedCert("emu.internal:8443")
	require.NoError(t, err)
	assert.Contains(t, cert.DNSNames, "emu.internal")
	cert, _, _, err = selfSignedCert("0.0.0.0:8443")
	require.NoError(t, err)
	for _, ip := range cert.IPAddresses {
		assert.False(t, ip.Equal(net.IPv4zero))
	}
}
