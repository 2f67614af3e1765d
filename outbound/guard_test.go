package outbound

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"escalationd/config"
	"escalationd/store"
)

// The engine decides with config.IsInternal whether a security reporter
// hears back; the guard in front of SMTP decides whether that mail may go.
// They must agree, or a reporter at a subdomain gets mail queued that the
// guard then refuses (and an outside one could be told about a case).
func TestConfidentialGuardAgreesWithIsInternal(t *testing.T) {
	cfg := &config.Config{
		Gateway: config.Gateway{Domain: "example.com"},
		SMTP:    config.SMTP{From: "escalations@example.com"},
		Senders: config.Senders{AllowDomains: []string{"Partner.IO"}},
	}
	st, _, _ := setup(t, &scriptSender{}, nil)
	guard := ConfidentialGuard(st, cfg.InternalDomains(), cfg.PublicDomains())
	for i, tt := range []struct {
		reporter string
		internal bool
	}{
		{"sec@example.com", true},
		{"sec@eu.example.com", true},
		{"Sec@Deep.Sub.EXAMPLE.com", true},
		{"sec@partner.io", true},
		{"sec@mail.partner.io", true},
		{"sec@notexample.com", false},
		{"sec@example.com.evil.io", false},
		{"sec@outside.org", false},
	} {
		if got := cfg.IsInternal(tt.reporter); got != tt.internal {
			t.Errorf("IsInternal(%s) = %v, want %v", tt.reporter, got, tt.internal)
		}
		// The engine puts an outside reporter on the customer side when the
		// case opens, by IsInternal; the guard then keeps them (and their
		// domain, by IsInternalAddress) out.
		var side []string
		if !cfg.IsInternal(tt.reporter) {
			side = []string{strings.ToLower(tt.reporter)}
		}
		c := &store.Case{Ticket: fmt.Sprintf("SEC-%d", i), Kind: "security_report", Mailbox: "security", State: "open",
			Urgency: "high", Agent: tt.reporter, Confidential: true, OpenedAt: t0, RespondBy: t0, UpdatedAt: t0, CustomerSide: side}
		if err := st.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertCase(c) }); err != nil {
			t.Fatal(err)
		}
		_, err := guard(context.Background(), &store.Mail{CaseID: c.ID, Event: "resolved", RcptTo: []string{tt.reporter}})
		var refusal *Refusal
		if refused := errors.As(err, &refusal); refused == tt.internal || (err != nil && !refused) {
			t.Errorf("%s (internal: %v): guard said %v", tt.reporter, tt.internal, err)
		}
	}
}
