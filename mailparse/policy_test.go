package mailparse

import (
	"escalationd/vocab"
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

var policy = Options{GatewayDomain: "craudiovizai.com", AllowDomains: []string{"craudiovizai.com"},
	TrustedAuthservIDs: []string{"mx.craudiovizai.com"}, OwnAddresses: []string{"escalations@craudiovizai.com"}}

const gatewayID = "escalationd.7.routed.0123456789abcdef@craudiovizai.com"

// A forged reply must never act on a case, even in the security mailbox,
// where spoofed mail is otherwise still read as a report.
func TestSpoofedReplyNeverActs(t *testing.T) {
	raw := crlf(`From: roy@craudiovizai.com
To: security@craudiovizai.com
Subject: Re: ESCALATION: [TCK-7001] [Critical] Payment processing down
Authentication-Results: mx.craudiovizai.com; dmarc=fail header.from=craudiovizai.com
In-Reply-To: <` + gatewayID + `>
Message-ID: <forged@evil.example>

RESOLVED false alarm
`)
	sec := policy
	sec.MailboxKind = "security"
	if r := Parse(raw, sec); r.Disposition != DispositionCase || r.Kind != vocab.KindSecurityReport || r.Command != nil {
		t.Fatalf("security mailbox: %s/%s kind %s command %+v", r.Disposition, r.Reason, r.Kind, r.Command)
	}
	if r := Parse(raw, policy); r.Disposition != DispositionIgnored || r.Reason != ReasonSpoofed {
		t.Fatalf("escalations mailbox: %s/%s", r.Disposition, r.Reason)
	}
}

// Someone outside the allow-list (an outsourced team) may answer a case's
// mail when the thread names a gateway Message-ID; a subject alone is not
// enough.
func TestOutsideSenderMayReplyThroughTheThread(t *testing.T) {
	threaded := crlf(`From: desk@vendor-fraudops.example
To: escalations@craudiovizai.com
Subject: Re: ESCALATION: [TCK-9] [High] Chargebacks
In-Reply-To: <` + gatewayID + `>
Message-ID: <ack@vendor.example>

ACK
`)
	if r := Parse(threaded, policy); r.Disposition != DispositionReply || r.Command == nil || r.Command.Name != "ACK" {
		t.Fatalf("threaded outside reply: %s/%s %+v", r.Disposition, r.Reason, r.Command)
	}
	bySubject := crlf(`From: desk@vendor-fraudops.example
To: escalations@craudiovizai.com
Subject: Re: ESCALATION: [TCK-9] [High] Chargebacks
Message-ID: <ack2@vendor.example>

RESOLVED
`)
	if r := Parse(bySubject, policy); r.Disposition != DispositionIgnored || r.Reason != ReasonSenderNotAllowed {
		t.Fatalf("outside reply by subject only: %s/%s", r.Disposition, r.Reason)
	}
}

// NoReplies reads a reply-looking mail as a new escalation: the engine's
// second look when the "reply" matches no case.
func TestNoRepliesReadsTheTemplate(t *testing.T) {
	raw := crlf(`From: alice.agent@craudiovizai.com
To: escalations@craudiovizai.com
Subject: Re: ESCALATION: [TCK-70]
Message-ID: <resend@agent.example>

ESCALATION: [TCK-70]
Customer: jane@example.com
Issue: Export broken
Attempted: cache
Impact: 3 users
Urgency: High
`)
	if r := Parse(raw, policy); r.Disposition != DispositionReply {
		t.Fatalf("default: %s", r.Disposition)
	}
	o := policy
	o.NoReplies = true
	if r := Parse(raw, o); r.Disposition != DispositionCase || r.Ticket != "TCK-70" || r.Urgency != "high" {
		t.Fatalf("NoReplies: %s/%s %s %s", r.Disposition, r.Reason, r.Ticket, r.Urgency)
	}
}

// A mail whose body the poller did not fetch (over the limit) is judged by
// its size on the server.
func TestOriginalSizeDecidesTooLarge(t *testing.T) {
	header := crlf("From: alice.agent@craudiovizai.com\nTo: escalations@craudiovizai.com\nSubject: ESCALATION: [TCK-71]\nMessage-ID: <big@x>\n\n")
	o := policy
	o.OriginalSize = 30 << 20
	r := Parse(header, o)
	if r.Disposition != DispositionRejected || r.Reason != ReasonTooLarge || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "31457280") {
		t.Fatalf("too large: %s/%s %+v", r.Disposition, r.Reason, r.Errors)
	}
}
