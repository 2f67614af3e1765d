// Package examples holds the shipped example configuration, embedded so
// `escalationd demo` and the tests run the real helpdesk policy.
package examples

import _ "embed"

// Helpdesk is examples/helpdesk.yaml: the helpdesk reference as config.
//
//go:embed helpdesk.yaml
var Helpdesk []byte
