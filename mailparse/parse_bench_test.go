package mailparse

import (
	"os"
	"path/filepath"
	"testing"

	"escalationd/internal/mailtest"
	"escalationd/vocab"
)

// BenchmarkParseMail parses one mail of each kind the gateway reads every
// day, with the options corpus mail is read with (the example config's):
// each of the four templates in plain text, HTML escalations, a reply with
// a command, escalations quoted over and forwarded with an original, and
// an escalation with a base64 attachment of 1 MB and of 20 MB on the
// wire. Each result is checked, so a path that breaks fails instead of
// measuring something else.
func BenchmarkParseMail(b *testing.B) {
	type want struct {
		disposition string
		kind        vocab.Kind
		ticket      string
		command     vocab.Command
	}
	corpusMail := func(name string) []byte {
		raw, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	for _, c := range []struct {
		name        string
		raw         []byte
		want        want
		attachments int
	}{
		{"template/escalation", corpusMail("escalation-mutt.eml"), want{DispositionCase, vocab.KindEscalation, "TCK-1242", ""}, 0},
		{"template/engineering", corpusMail("engineering-markdown.eml"), want{DispositionCase, vocab.KindEngineering, "TCK-3308", ""}, 0},
		{"template/senior-support", corpusMail("senior-support-generic-subject.eml"), want{DispositionCase, vocab.KindSeniorSupport, "TCK-4522", ""}, 0},
		{"template/management", corpusMail("management-legal.eml"), want{DispositionCase, vocab.KindManagement, "SUP-2026-0042", ""}, 0},
		{"html/outlook-html-only", corpusMail("escalation-outlook-html-only.eml"), want{DispositionCase, vocab.KindEscalation, "TCK-1237", ""}, 0},
		{"html/alternative", mailtest.Escalation(mailtest.EscalationOpts{Format: mailtest.Alternative}), want{DispositionCase, vocab.KindEscalation, "TICKET-1042", ""}, 0},
		{"reply/command-resolved", corpusMail("reply-outlook-resolved.eml"), want{DispositionReply, "", "TCK-1234", vocab.CmdResolved}, 0},
		{"quoted/outlook-over-original", corpusMail("escalation-outlook-over-original.eml"), want{DispositionCase, vocab.KindEscalation, "TCK-1254", ""}, 0},
		{"forwarded/outlook-fw", corpusMail("forward-outlook-fw.eml"), want{DispositionCase, vocab.KindManagement, "SUP-2026-0042", ""}, 0},
		{"attachment-1MB", mailtest.LargeEscalation(mailtest.EscalationOpts{}, 1<<20, 1), want{DispositionCase, vocab.KindEscalation, "TICKET-1042", ""}, 1},
		{"attachment-20MB", mailtest.LargeEscalation(mailtest.EscalationOpts{}, 20<<20, 1), want{DispositionCase, vocab.KindEscalation, "TICKET-1042", ""}, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := corpusOptions()
			check := func(r *Result) {
				got := want{r.Disposition, r.Kind, r.Ticket, ""}
				if r.Command != nil {
					got.command = r.Command.Name
				}
				if got != c.want || len(r.Attachments) != c.attachments {
					b.Fatalf("parsed as %+v with %d attachments (reason %q, errors %v, warnings %q), want %+v with %d",
						got, len(r.Attachments), r.Reason, r.Errors, r.Warnings, c.want, c.attachments)
				}
			}
			check(Parse(c.raw, opts))
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				check(Parse(c.raw, opts))
			}
		})
	}
}
