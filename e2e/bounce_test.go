package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// bounceFixture is a bounce kept in mailparse/testdata/bounces, returning
// the mail with Message-ID id, failed at rcpt.
func bounceFixture(t *testing.T, file, id, rcpt string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "mailparse", "testdata", "bounces", file))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("{{MESSAGE_ID}}", id, "{{RCPT}}", rcpt).Replace(string(raw))
	// Each bounce its own Message-ID, as each MTA's would be.
	s = strings.Replace(s, "\nMessage-I", fmt.Sprintf("\nX-Test-Bounce: %d\nMessage-I", time.Now().UnixNano()), 1)
	if file == "exchange.eml" {
		// Exchange Online signs its bounces: the receiving server's verdict.
		s = mailtest.AuthResults("postmaster@craudiovizai.onmicrosoft.com") + "\n" + s
	}
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// mailsOf lists the mails whose subject contains what and whose
// X-Escalation-Event is event.
func (e *env) mailsOf(what, event string) []mailtest.MailpitMessage {
	var out []mailtest.MailpitMessage
	for _, m := range e.pit.Search(e.t, `subject:"`+what+`"`) {
		if e.header(m.ID, "X-Escalation-Event") == event {
			out = append(out, m)
		}
	}
	return out
}

// A page the submission server accepted and the remote server bounced
// later, as Postfix, Exim and Exchange report it: the bounce lands in the
// watched mailbox, the case records delivery-failed, the agent learns it,
// and the next step of the chain is asked to take the case, never the
// failing address.
func TestLateBounceReachesTheCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	d := e.start()
	fixtures := map[string]string{"BNC-1": "postfix.eml", "BNC-2": "exim.eml", "BNC-3": "exchange.eml"}
	urgency := map[string]string{"BNC-1": "Critical", "BNC-2": "High", "BNC-3": "High"}
	failing := map[string]string{}
	for _, ticket := range []string{"BNC-1", "BNC-2", "BNC-3"} {
		e.dove.Append(t, e.escUser, "INBOX", validMail(ticket, urgency[ticket]))
		routed := e.firstMail(ticket, "routed", 15*time.Second)
		failing[ticket] = routed.To[0].Address
		e.dove.Append(t, e.escUser, "INBOX", bounceFixture(t, fixtures[ticket], routed.MessageID, failing[ticket]))
	}
	for ticket, addr := range failing {
		var notices []mailtest.MailpitMessage
		waitFor(t, "two delivery-failed notices of "+ticket, 20*time.Second, func() bool {
			notices = e.mailsOf(ticket, "delivery-failed")
			return len(notices) >= 2
		})
		toAgent, toChain := false, false
		for _, n := range notices {
			if mailedAnywhere([]mailtest.MailpitMessage{n}, addr) {
				t.Errorf("%s: a notice went to the failing address %s", ticket, addr)
			}
			raw := string(e.pit.Raw(t, n.ID))
			toAgent = toAgent || (mailedAnywhere([]mailtest.MailpitMessage{n}, "jordan.lee@craudiovizai.com") && strings.Contains(raw, "UNDELIVERED PAGE"))
			toChain = toChain || strings.Contains(raw, "PAGE BOUNCED")
		}
		if !toAgent || !toChain {
			t.Errorf("%s (%s): agent told %v, chain asked %v", ticket, fixtures[ticket], toAgent, toChain)
		}
	}
	d.stop(t)
	for ticket, addr := range failing {
		_, _, events := e.caseState(ticket)
		if !slices.ContainsFunc(events, func(ev string) bool {
			return strings.HasPrefix(ev, "delivery-failed") && strings.Contains(ev, addr) && strings.Contains(ev, "returned by the remote server")
		}) {
			t.Errorf("%s has no delivery-failed event for %s: %q", ticket, addr, events)
		}
	}
}
