package mailparse

import (
	"escalationd/vocab"
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs and br", `<p class=MsoNormal>Customer: <b>a@b.co</b><o:p></o:p></p><p>Issue:<br>broken</p>`,
			"Customer: a@b.co\nIssue:\nbroken\n"},
		{"skipped elements", `<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><div>Hi</div></body></html>`,
			"Hi\n"},
		{"unclosed head", `<head><meta charset=utf-8><body><div>Hi</div>`, "Hi\n"},
		{"lists", `<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>`,
			"- one\n- two\n1. first\n2. second\n"},
		{"table rows", `<table><tr><td><b>Customer:</b></td><td>a@b.co</td></tr><tr><td>Issue:</td><td>x</td></tr></table>`,
			"Customer: a@b.co\nIssue: x\n"},
		{"blockquote", `<div>ACK</div><div class="gmail_quote">On Tue wrote:<blockquote><div>old</div><div>older</div></blockquote></div>`,
			"ACK\nOn Tue wrote:\n> old\n> older\n"},
		{"whitespace and entities", "<div>  a&nbsp;&amp;\n  b </div><div>c</div>", "a & b\nc\n"},
		{"pre", "<pre>1.  x\n2.  y</pre>", "1.  x\n2.  y\n"},
		{"inline split", `<span>Cust</span><span>omer: x</span>`, "Customer: x\n"},
		{"empty gmail lines", `<div>a</div><div><br></div><div><br></div><div><br></div><div>b</div>`, "a\n\nb\n"},
	}
	for _, tt := range tests {
		got, _ := htmlToText(tt.in, 1<<20)
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	if got, trunc := htmlToText(strings.Repeat("<p>abcdef</p>", 100), 50); !trunc || len(got) > 50 {
		t.Errorf("limit: %d bytes, truncated %v", len(got), trunc)
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		in    string
		delsp bool
		want  string
	}{
		{"Issue: payments fail \nsince 9am\nUrgency: High\n", false, "Issue: payments fail since 9am\nUrgency: High\n"},
		{"Issue: pay \nments fail\n", true, "Issue: payments fail\n"},
		{"> quoted \n> more\nnew\n", false, "> quoted more\nnew\n"},
		{"a \n> b\n", false, "a \n> b\n"},
		{" From here\n", false, "From here\n"},
		{"Bob \n-- \nsig\n", false, "Bob \n-- \nsig\n"},
		{"-- \nsig\n", false, "-- \nsig\n"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", tt.in, tt.delsp, got, tt.want)
		}
	}
}

func TestSplitNewest(t *testing.T) {
	tests := []struct {
		name, in, newest, older string
		forward                 bool
	}{
		{"signature", "ACK\n\n-- \nBob\n", "ACK", "", false},
		{"mobile", "ACK\n\nSent from my iPhone\n\n> old\n", "ACK", "", false},
		{"gmail quote", "ACK\n\nOn Tue, Nov 25, 2025 at 10:02 AM Desk <\ndesk@x.com> wrote:\n\n> Customer: a\n> Issue: b\n", "ACK", "Customer: a\nIssue: b", false},
		{"bottom post", "On Tue, Desk wrote:\n> old\n\nREOPEN\nagain\n", "REOPEN\nagain", "old", false},
		{"outlook original", "Done\n\n-----Original Message-----\nFrom: Desk\nSent: Tuesday\nTo: Bob\nSubject: ESCALATION: [T-1]\n\nCustomer: a\n", "Done", "Customer: a", false},
		{"outlook block", "Done\n________________________________\nFrom: Desk <d@x.com>\nSent: Tuesday\nTo: Bob\nSubject: X\n\nold body\n", "Done", "old body", false},
		{"gmail forward", "\n---------- Forwarded message ---------\nFrom: Bob <b@x.com>\nDate: Tue\nSubject: ESCALATION: [T-2]\nTo: Carol\n\n\nCustomer: a\n", "", "Customer: a", true},
		{"apple forward", "FYI\n\nBegin forwarded message:\n\nFrom: Bob\nSubject: BUG - x\nDate: Tue\nTo: Carol\n\nTicket: T-3\n", "FYI", "Ticket: T-3", true},
		{"interleaved", "> q1\na1\n> q2\na2\n", "a1\na2", "q1\nq2", false},
	}
	for _, tt := range tests {
		s := splitNewest(tt.in)
		if s.newest != tt.newest || s.older != tt.older || s.forward != tt.forward {
			t.Errorf("%s: newest %q older %q forward %v; want %q %q %v", tt.name, s.newest, s.older, s.forward, tt.newest, tt.older, tt.forward)
		}
	}
	if s := splitNewest("Fwd\n\nBegin forwarded message:\n\nFrom: Bob\nSubject: BUG - x\nTo: C\n\nbody"); s.oldSubject != "BUG - x" {
		t.Errorf("forward subject %q", s.oldSubject)
	}
}

func TestCleanLine(t *testing.T) {
	tests := map[string]string{
		"ESCALATION: [T-1]\r\nBcc: x@y": "ESCALATION: [T-1] Bcc: x@y",
		"a\u2028b\u0085c\x00d\x7f":      "a b c d",
		"  spaced \t out  ":             "spaced out",
		"ok":                            "ok",
		"bad \xff utf8":                 "bad \uFFFD utf8",
	}
	for in, want := range tests {
		if got := cleanLine(in); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTemplates checks that the blank templates are the helpdesk reference
// templates, that a blank template sent back is rejected for every
// required field, and that a filled template re-parses to the same values.
func TestTemplates(t *testing.T) {
	generic := "ESCALATION: [TICKET-ID]\nCustomer: [email]\nIssue: [brief description]\nAttempted: [what you tried]\n" +
		"Impact: [number of users]\nUrgency: [Low/Medium/High/Critical]\n"
	if got := BlankTemplate(vocab.KindEscalation); got != generic {
		t.Errorf("generic template:\n%s", got)
	}
	if BlankTemplate("") != generic || BlankTemplate(vocab.KindSecurityReport) != generic {
		t.Error("unknown kinds must give the generic template")
	}
	for kind, req := range required {
		raw := buildMail(hdr("template"), BlankTemplate(kind))
		r := parse(raw, Options{})
		if r.Kind != kind || r.Disposition != DispositionRejected || r.Reason != ReasonMissingFields || len(r.Errors) != len(req) {
			t.Errorf("blank %s template: %s/%s kind %s errors %+v", kind, r.Disposition, r.Reason, r.Kind, r.Errors)
		}
	}
	for _, name := range []string{"escalation-gmail-alternative.eml", "senior-support-outlook.eml",
		"engineering-markdown.eml", "management-major-outage.eml", "rejected-invalid-urgency.eml"} {
		path := corpusDir + "/" + name
		r := parse(readFile(t, path), corpusOptionsFor(path))
		again := parse(buildMail(hdr("resend"), r.Template()), Options{})
		if again.Kind != r.Kind || again.Ticket != r.Ticket || again.Customer != r.Customer ||
			again.Urgency != r.Urgency || again.IssueType != r.IssueType || len(again.Errors) != len(r.Errors) {
			t.Errorf("%s: template does not re-parse to the same values:\n%s\nfirst %+v\nagain %+v", name, r.Template(), r, again)
		}
	}
}
