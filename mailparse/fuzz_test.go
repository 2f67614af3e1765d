package mailparse

import (
	"encoding/json"
	"escalationd/vocab"
	"os"
	"strings"
	"testing"
	"unicode"
)

// FuzzParse runs parse (without Parse's recover, so a panic fails) on
// arbitrary input, seeded with the corpus, and checks the invariants of a
// Result.
func FuzzParse(f *testing.F) {
	for _, p := range corpusFiles(f) {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	small := corpusOptions()
	small.Limits = smallLimits
	security := corpusOptions()
	security.MailboxKind = "security"
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, o := range []Options{corpusOptions(), small, security, {}} {
			checkInvariants(t, parse(raw, o))
		}
	})
}

var validReasons = map[string]map[string]bool{
	DispositionCase:     {"": true},
	DispositionReply:    {"": true},
	DispositionRejected: {ReasonMissingFields: true, ReasonInvalidFields: true, ReasonTooLarge: true},
	DispositionIgnored: {ReasonAutoReply: true, ReasonBounce: true, ReasonMailingList: true, ReasonLoop: true,
		ReasonNotEscalation: true, ReasonSenderNotAllowed: true, ReasonSpoofed: true},
}

func checkInvariants(t *testing.T, r *Result) {
	t.Helper()
	if r == nil {
		t.Fatal("nil result")
	}
	reasons, ok := validReasons[r.Disposition]
	if !ok || !reasons[r.Reason] {
		t.Fatalf("disposition %q with reason %q", r.Disposition, r.Reason)
	}
	if (r.Disposition == DispositionRejected) != (len(r.Errors) > 0) {
		t.Fatalf("disposition %s with errors %+v", r.Disposition, r.Errors)
	}
	if r.Disposition == DispositionRejected && r.Reason != ReasonTooLarge {
		missing := false
		for _, e := range r.Errors {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("incomplete error %+v", e)
			}
			missing = missing || strings.Contains(e.Message, "is missing")
		}
		if missing != (r.Reason == ReasonMissingFields) {
			t.Fatalf("reason %s with errors %+v", r.Reason, r.Errors)
		}
	}
	switch r.Disposition {
	case DispositionCase:
		if _, ok := required[r.Kind]; !ok && r.Kind != vocab.KindSecurityReport {
			t.Fatalf("case of kind %q", r.Kind)
		}
	case DispositionRejected:
		if _, ok := required[r.Kind]; !ok && r.Reason != ReasonTooLarge {
			t.Fatalf("rejected of kind %q", r.Kind)
		}
	}
	if r.Urgency != "" && !r.Urgency.Valid() {
		t.Fatalf("urgency %q", r.Urgency)
	}
	if r.IssueType != "" && !r.IssueType.Valid() {
		t.Fatalf("issue type %q", r.IssueType)
	}
	if r.Ticket != "" && !validTicket(r.Ticket) {
		t.Fatalf("ticket %q", r.Ticket)
	}
	header := []string{r.Ticket, r.Customer, r.Subject, r.From, r.FromName, string(r.Urgency), string(r.IssueType), r.MessageID}
	header = append(append(header, r.InReplyTo...), r.References...)
	if r.Command != nil {
		header = append(header, string(r.Command.Name), r.Command.Argument)
	}
	for _, a := range r.Attachments {
		header = append(header, a.Filename, a.ContentType)
	}
	for _, v := range header {
		if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) >= 0 {
			t.Fatalf("header-bound value %q has a control character", v)
		}
	}
	if len(r.Warnings) > maxWarnings+1 {
		t.Fatalf("%d warnings", len(r.Warnings))
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	_ = r.Template()
}
