// Package retry is escalationd's one backoff vocabulary: exponential delays
// from an initial value, capped, with jitter, used by the outbound worker,
// the IMAP pollers' reconnects and the SLA timer loop alike.
package retry

import (
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff with jitter.
type Policy struct {
	Initial time.Duration // the first delay
	Max     time.Duration // the cap
	// Jitter returns a factor in [0,1); the delay is scaled by 0.8 + 0.4*f
	// so retries from many clients do not arrive together. nil uses
	// math/rand.
	Jitter func() float64
}

// Delay is the wait after the given number of failed attempts (1 = first).
func (p Policy) Delay(attempts int) time.Duration {
	d := p.Initial
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	j := p.Jitter
	if j == nil {
		j = rand.Float64
	}
	return time.Duration(float64(d) * (0.8 + 0.4*j()))
}
