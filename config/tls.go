package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// ClientTLS is the TLS configuration for connecting to one server:
// certificates verified against the system roots plus the server's
// tls_ca_file, unless tls_skip_verify was set for that server explicitly.
func ClientTLS(serverName string, skipVerify bool, caFile string) (*tls.Config, error) {
	conf := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify} //nolint:gosec // explicit per-server opt-in
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls_ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls_ca_file %s: no certificates found", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}
