package mailparse

import (
	"strings"
	"testing"
)

// replyHdr is the header of a mail answering the gateway's mail about a
// case, with no auto-reply header.
func replyHdr(subject string) []string {
	return []string{
		"From: Sam Engineer <sam.engineer@craudiovizai.com>",
		"To: escalations@craudiovizai.com",
		"Subject: " + subject,
		"Date: Tue, 25 Nov 2025 10:00:00 -0500",
		"Message-ID: <r1@mail.craudiovizai.com>",
		"In-Reply-To: <escalationd.7.1.a1b2c3@craudiovizai.com>",
		"References: <escalationd.7.1.a1b2c3@craudiovizai.com>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
	}
}

const caseSubject = "Re: ESCALATION: [TCK-7001] [Critical] Payment processing down"

// TestOutOfOfficeWithoutHeaders: out-of-office replies that carry no
// auto-reply header are ignored as auto-replies, by subject or by text.
func TestOutOfOfficeWithoutHeaders(t *testing.T) {
	quote := "\n\n> ESCALATION: [TCK-7001]\n> Customer: jane.doe@example.com\n"
	tests := []struct{ name, subject, body string }{
		// Subject only.
		{"outlook automatic reply", "Automatic reply: ESCALATION: [TCK-7001]", "See you."},
		{"exchange out of office", "Out of Office: ESCALATION: [TCK-7001]", "Back soon."},
		{"exchange autoreply", "Out of Office AutoReply: ESCALATION: [TCK-7001]", "x"},
		{"ooo", "OOO until Monday", "Sam covers."},
		{"ooo colon", "OOO: ESCALATION: [TCK-7001]", "x"},
		{"away", "Away: ESCALATION: [TCK-7001]", "x"},
		{"autoreply", "Autoreply: ESCALATION: [TCK-7001]", "x"},
		{"auto-reply tag", "[Auto-Reply] ESCALATION: [TCK-7001]", "x"},
		{"auto response", "Auto Response: ESCALATION: [TCK-7001]", "x"},
		{"auto-response", "Auto-Response - ESCALATION: [TCK-7001]", "x"},
		{"on vacation", "On vacation", "x"},
		{"on leave", "On leave until 3 December", "x"},
		// Body only, in a reply's thread with the case's subject.
		{"outlook body", caseSubject, "I am out of the office until Monday 8 December with limited access to email.\n\nFor urgent matters please contact support-leads@craudiovizai.com." + quote},
		{"currently out", caseSubject, "Hi,\n\nI'm currently out of the office.\n\nRegards,\nSam"},
		{"currently away", caseSubject, "I am currently away and will respond when I return."},
		{"will be out", caseSubject, "I will be out of the office from 1 December to 5 December and will reply upon my return."},
		{"vacation", caseSubject, "Hello,\nI'm on vacation until January 5th. I will respond to your email when I get back."},
		{"annual leave", caseSubject, "I am on annual leave, returning on 10 December."},
		{"holiday", caseSubject, "I’m on holiday until the 12th with no access to email."},
		{"thank you", caseSubject, "Thank you for your email. I am out of the office."},
		{"thank you message", caseSubject, "Thanks for your message! I'm on parental leave."},
		{"limited access", caseSubject, "Dear sender,\n\nI have limited access to email this week and will reply as soon as I can."},
		{"travelling", caseSubject, "I am travelling until Friday with limited access to email."},
		{"gmail vacation responder", caseSubject, "Hi there,\n\nI'm currently on vacation and will be back on December 8. For anything urgent, please reach out to oncall@craudiovizai.com.\n\nThanks!"},
		{"exchange automatic reply", caseSubject, "Automatic reply\n\nI am out of the office."},
		{"this is an automatic reply", caseSubject, "This is an automatic reply. Your message has been received."},
		{"out of office line", caseSubject, "OUT OF OFFICE\n\nBack on Monday."},
		{"markdown", caseSubject, "**I am out of the office** until Monday."},
		{"please note", caseSubject, "Hello,\n\nPlease note that I am out of the office and will return on Monday 8 December."},
		{"contacting me", caseSubject, "Thank you for contacting me. I am on leave."},
		{"from to", caseSubject, "I'm out of office from Dec 1 to Dec 5."},
		{"back tomorrow", caseSubject, "I'm out of the office today, back tomorrow."},
		{"curly apostrophe ooo", caseSubject, "I’m currently OOO."},
		// Both.
		{"both", "Automatic reply: Re: ESCALATION: [TCK-7001]", "I am out of the office until Monday.\n"},
		{"both ooo", "OOO", "I'm OOO until 2025-12-08, back then."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(buildMail(replyHdr(tt.subject), tt.body), corpusOptions())
			if res.Disposition != DispositionIgnored || res.Reason != ReasonAutoReply {
				t.Errorf("got %s/%s, want ignored/auto-reply", res.Disposition, res.Reason)
			}
			if res.Command != nil {
				t.Errorf("command %v", res.Command)
			}
		})
	}
}

// TestGenuineRepliesNotAutoReplies: replies that mention being away but
// are written by a person stay comments or commands.
func TestGenuineRepliesNotAutoReplies(t *testing.T) {
	tests := []struct {
		name, subject, body string
		command             string // "" for a comment
	}{
		{"ack then ooo", caseSubject, "ACK. I'm out of office tomorrow, Sam covers.", "ACK"},
		{"ack then ooo until", caseSubject, "ACK\nI am out of the office until Monday, Sam covers.", "ACK"},
		{"resolved then vacation", caseSubject, "RESOLVED fixed the worker; I'm on vacation from tomorrow until the 8th", "RESOLVED"},
		{"note out of office", caseSubject, "NOTE I am out of the office until Monday; Sam has it.", "NOTE"},
		{"reassign", caseSubject, "REASSIGN engineering\nI'm on leave until Monday.", "REASSIGN"},
		{"mid-text vacation", caseSubject, "Looking into it now. I'm on vacation next week though, so Sam will follow up.", ""},
		{"out tomorrow", caseSubject, "I'm out of office tomorrow, Sam covers.", ""},
		{"will be away", caseSubject, "I will be away this afternoon, Priya is on it.", ""},
		{"thanks looking", caseSubject, "Thanks, looking at it. I'm on holiday until Monday but can help.", ""},
		{"thank you i am", caseSubject, "Thank you for your email. I am looking into it now.", ""},
		{"out of office handling", caseSubject, "Out of office coverage is Sam this week; he will take it.", ""},
		{"subject mentions ooo later", "Re: ESCALATION: [TCK-7001] OOO coverage", "Who has this?", ""},
		{"subject re ooo", "Re: Out of office", "Who covers for Sam?", ""},
		{"away word", caseSubject, "Awaiting logs from the customer.", ""},
		{"travelling tomorrow", caseSubject, "I will be travelling tomorrow, Sam will cover.", ""},
		{"thanks heads-up", caseSubject, "Thanks for the heads-up. I'm on vacation, but Sam has context.", ""},
		{"currently investigating", caseSubject, "I am currently investigating.", ""},
		{"automatic replies mentioned", caseSubject, "Automatic replies are broken for this customer; see logs.", ""},
		{"quoted ooo", caseSubject, "Sam is on it.\n\n> I am out of the office until Monday.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Parse(buildMail(replyHdr(tt.subject), tt.body), corpusOptions())
			if res.Disposition != DispositionReply {
				t.Fatalf("got %s/%s, want reply", res.Disposition, res.Reason)
			}
			got := ""
			if res.Command != nil {
				got = string(res.Command.Name)
			}
			if got != tt.command {
				t.Errorf("command %q, want %q", got, tt.command)
			}
		})
	}
}

// TestOutOfOfficeNeverHidesAnEscalation: an escalation whose text opens
// with an absence is still an escalation.
func TestOutOfOfficeNeverHidesAnEscalation(t *testing.T) {
	body := "I am on vacation from tomorrow until Monday, so escalating this now.\n\n" + genericBody
	res := Parse(buildMail(hdr("ESCALATION: [TCK-1234]"), body), corpusOptions())
	if res.Disposition != DispositionCase {
		t.Fatalf("got %s/%s, want case", res.Disposition, res.Reason)
	}
	if !strings.Contains(res.Text, "Customer:") {
		t.Errorf("text %q", res.Text)
	}
	// An English out-of-office subject does not hide a template either.
	res = Parse(buildMail(hdr("On leave requests fail"), "ESCALATION: [TCK-1234]\n"+genericBody), corpusOptions())
	if res.Disposition != DispositionCase {
		t.Errorf("subject on leave: got %s/%s, want case", res.Disposition, res.Reason)
	}
	// Nor a command in a reply.
	res = Parse(buildMail(replyHdr("OOO"), "ACK, taking it before I leave.\n"), corpusOptions())
	if res.Disposition != DispositionReply || res.Command == nil {
		t.Errorf("subject OOO, ACK: got %s/%s, command %v", res.Disposition, res.Reason, res.Command)
	}
}

// TestOutOfOfficeSecurityMailbox: in the security mailbox an outside
// report is never dropped for how it opens; an out-of-office reply in a
// case's thread is still ignored.
func TestOutOfOfficeSecurityMailbox(t *testing.T) {
	opts := corpusOptions()
	opts.MailboxKind = "security"
	report := buildMail([]string{
		"From: Researcher <r@researcher.example>",
		"To: security@craudiovizai.com",
		"Subject: Vulnerability in login",
		"Message-ID: <x1@researcher.example>",
	}, "I am currently away from the office, but I found an XSS in your login page until you fix it.\n")
	if res := Parse(report, opts); res.Disposition != DispositionCase || res.Kind != "security_report" {
		t.Errorf("report: %s/%s kind %s", res.Disposition, res.Reason, res.Kind)
	}
	ooo := buildMail(replyHdr("Re: [SEC#12] Security report"), "I am out of the office until Monday.\n")
	if res := Parse(ooo, opts); res.Disposition != DispositionIgnored || res.Reason != ReasonAutoReply {
		t.Errorf("ooo reply: %s/%s", res.Disposition, res.Reason)
	}
}
