package mailparse

import (
	"encoding/json"
	"net/mail"
	"strings"
	"testing"
)

// senderMail is an escalation whose header starts with fromLines.
func senderMail(fromLines ...string) []byte {
	h := ""
	for _, l := range fromLines {
		h += l + "\r\n"
	}
	return []byte(h + "To: escalations@craudiovizai.com\r\nSubject: ESCALATION: [TCK-1]\r\n" +
		"Message-ID: <s@mail.example>\r\n\r\n" +
		"Customer: alice@example.com\r\nIssue: x\r\nUrgency: Critical\r\n")
}

func TestSenderIsReadStrictly(t *testing.T) {
	tests := []struct {
		name      string
		from      []string
		want      string
		ambiguous bool
	}{
		{"one mailbox", []string{"From: Bob Agent <Bob.Agent@Example.com>"}, "bob.agent@example.com", false},
		{"addr-spec with comment", []string{"From: bob@example.com (Bob)"}, "bob@example.com", false},
		{"quoted local part", []string{`From: "john doe"@example.com`}, `"john doe"@example.com`, false},
		{"quoted local part, named", []string{`From: John <"john doe"@example.com>`}, `"john doe"@example.com`, false},
		{"needless quotes", []string{`From: "alice"@example.com`}, "alice@example.com", false},
		{"source route", []string{"From: <@relay.example:alice@example.com>"}, "alice@example.com", false},
		{"source routes, named", []string{"From: Alice <@r1.example,@r2.example:alice@example.com>"}, "alice@example.com", false},
		{"folded", []string{"From: \"Bob\r\n Agent\"\r\n <bob@example.com>"}, "bob@example.com", false},
		{"unknown charset in the name", []string{"From: =?x-unknown?Q?Bob?= <bob@example.com>"}, "bob@example.com", false},
		{"two mailboxes", []string{"From: bob@example.com, mallory@evil.example"}, "bob@example.com", true},
		{"two From fields", []string{"From: bob@example.com", "From: mallory@evil.example"}, "bob@example.com", true},
		{"two From fields, same sender", []string{"FROM: bob@example.com", "from: bob@example.com"}, "bob@example.com", true},
		{"no From", nil, "", true},
		{"empty group", []string{"From: undisclosed-recipients:;"}, "", true},
		{"not RFC 5322", []string{"From: Bob Agent bob@example.com>"}, "bob@example.com", true},
		{"unclosed angle", []string{"From: Bob <bob@example.com"}, "bob@example.com", true},
		{"lenient reading unwritable", []string{"From: Bob <bob@>"}, "", true},
		{"too long", []string{"From: " + strings.Repeat("a", 300) + "@example.com"}, "", true},
	}
	for _, tt := range tests {
		r := parse(senderMail(tt.from...), Options{})
		if r.From != tt.want || r.SenderAmbiguous != tt.ambiguous {
			t.Errorf("%s: From %q ambiguous %v; want %q %v (warnings %q)", tt.name, r.From, r.SenderAmbiguous, tt.want, tt.ambiguous, r.Warnings)
		}
		if r.From == "" {
			continue
		}
		// Whatever From holds can be written back as a recipient.
		a, err := mail.ParseAddress(r.From)
		if err != nil || strings.Trim(a.String(), "<>") != r.From {
			t.Errorf("%s: From %q does not round-trip through net/mail: %v %v", tt.name, r.From, a, err)
		}
	}
}

func TestSenderAmbiguousInJSON(t *testing.T) {
	b, _ := json.Marshal(parse(senderMail("From: a@example.com, b@example.com"), Options{}))
	if !strings.Contains(string(b), `"sender_ambiguous":true`) {
		t.Errorf("JSON lacks sender_ambiguous: %s", b)
	}
	b, _ = json.Marshal(parse(senderMail("From: a@example.com"), Options{}))
	if strings.Contains(string(b), "sender_ambiguous") {
		t.Errorf("JSON has sender_ambiguous for a plain sender: %s", b)
	}
}
