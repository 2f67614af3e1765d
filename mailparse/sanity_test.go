package mailparse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusSanity asserts the key fields of the important corpus files
// directly, so that a wrong golden file written by -update cannot pass
// unnoticed.
func TestCorpusSanity(t *testing.T) {
	type want struct {
		disp, reason, kind, ticket, customer, urgency, issueType, command string
		users                                                             int // 0: not checked, -1: nil
		errFields                                                         string
		warning                                                           string // substring of a warning
		field                                                             [2]string
	}
	tests := map[string]want{
		"escalation-thunderbird-flowed.eml":         {disp: "case", kind: "escalation", ticket: "TCK-1234", customer: "alice@example.com", urgency: "critical", users: 250, field: [2]string{"issue", "Payment processing down for all EU customers since the 09:40 deploy, card payments fail with a timeout"}},
		"escalation-thunderbird-delsp.eml":          {disp: "case", ticket: "TCK-1235", field: [2]string{"attempted", "Restarted the payment worker twice, checked the status page and the provider dashboard, nothing helped"}},
		"escalation-outlook-alternative.eml":        {disp: "case", ticket: "TCK-1236", customer: "alice.smith@example.com", urgency: "critical"},
		"escalation-outlook-html-only.eml":          {disp: "case", ticket: "TCK-1237", customer: "alice@example.com", users: 1200},
		"escalation-gmail-empty-plain.eml":          {disp: "case", ticket: "TCK-1239", urgency: "critical"},
		"escalation-iphone.eml":                     {disp: "case", urgency: "high"},
		"escalation-markdown.eml":                   {disp: "case", customer: "alice@example.com", urgency: "critical", users: 1200, field: [2]string{"urgency", "Critical"}},
		"escalation-bullets-spacing.eml":            {disp: "case", customer: "alice@example.com", urgency: "critical", users: -1},
		"escalation-value-next-line.eml":            {disp: "case", customer: "alice@example.com", urgency: "critical", users: 250},
		"escalation-ticket-hash.eml":                {disp: "case", ticket: "48213"},
		"escalation-ticket-in-body.eml":             {disp: "case", ticket: "TCK-1246"},
		"escalation-ticket-label.eml":               {disp: "case", ticket: "SUP-2026-0042"},
		"escalation-urgency-p1.eml":                 {disp: "case", urgency: "critical"},
		"escalation-iso-8859-1.eml":                 {disp: "case", field: [2]string{"issue", "Zahlungen schlagen für Kunden in Österreich fehl"}},
		"escalation-iso-8859-2.eml":                 {disp: "case", users: 120, field: [2]string{"issue", "Płatności nie działają, błąd przy zamówieniu"}},
		"escalation-windows-1251.eml":               {disp: "case", field: [2]string{"issue", "Платежи не проходят"}},
		"escalation-outlook-over-original.eml":      {disp: "case", ticket: "TCK-1254", customer: "alice@example.com", urgency: "critical"},
		"escalation-html-table.eml":                 {disp: "case", customer: "alice@example.com", urgency: "critical"},
		"escalation-untrusted-auth-results.eml":     {disp: "case"},
		"escalation-subdomain-sender.eml":           {disp: "case"},
		"rejected-invalid-urgency.eml":              {disp: "rejected", reason: "invalid-fields", errFields: "urgency"},
		"rejected-placeholders.eml":                 {disp: "rejected", reason: "missing-fields", errFields: "ticket,customer,issue,urgency"},
		"rejected-bad-ticket.eml":                   {disp: "rejected", reason: "invalid-fields", errFields: "ticket"},
		"rejected-invalid-customer.eml":             {disp: "rejected", reason: "invalid-fields", errFields: "customer"},
		"rejected-engineering-missing-severity.eml": {disp: "rejected", reason: "missing-fields", kind: "engineering", errFields: "severity"},
		"rejected-management-billing.eml":           {disp: "rejected", reason: "invalid-fields", kind: "management", errFields: "issue_type"},
		"rejected-management-missing-summary.eml":   {disp: "rejected", reason: "missing-fields", errFields: "summary"},
		"rejected-senior-missing-customer.eml":      {disp: "rejected", kind: "senior_support", errFields: "customer"},
		"senior-support-outlook.eml":                {disp: "case", kind: "senior_support", ticket: "TCK-4521", customer: "john.doe@example.com", field: [2]string{"name", "Sarah"}},
		"senior-support-generic-subject.eml":        {disp: "case", kind: "senior_support", ticket: "TCK-4522"},
		"engineering-gmail.eml":                     {disp: "case", kind: "engineering", ticket: "TCK-3307", urgency: "high", users: 40},
		"engineering-markdown.eml":                  {disp: "case", kind: "engineering", ticket: "TCK-3308", urgency: "high", users: 1200},
		"engineering-outlook-html-list.eml":         {disp: "case", kind: "engineering", urgency: "critical", users: -1},
		"management-legal.eml":                      {disp: "case", kind: "management", ticket: "SUP-2026-0042", customer: "legal@acme-corp.example", issueType: "legal"},
		"management-major-outage.eml":               {disp: "case", issueType: "major_outage", urgency: "critical"},
		"management-data-breach.eml":                {disp: "case", issueType: "security", customer: "Acme Corp"},
		"management-issue-type-from-subject.eml":    {disp: "case", issueType: "media", customer: "Daily Planet (Lois Lane)"},
		"reply-gmail-ack.eml":                       {disp: "reply", ticket: "TCK-1234", command: "ACK"},
		"reply-outlook-resolved.eml":                {disp: "reply", command: "RESOLVED"},
		"reply-aw-urgency.eml":                      {disp: "reply", ticket: "TCK-1234", command: "URGENCY"},
		"reply-references-only-note.eml":            {disp: "reply", command: "NOTE"},
		"reply-sv-reassign.eml":                     {disp: "reply", command: "REASSIGN"},
		"reply-reopen-bottom-post.eml":              {disp: "reply", command: "REOPEN"},
		"reply-iphone-no-command.eml":               {disp: "reply", ticket: "TCK-1234"},
		"reply-gmail-html-only-quote.eml":           {disp: "reply", command: "NOTE"},
		"forward-gmail-inline.eml":                  {disp: "case", ticket: "TCK-3100"},
		"forward-rfc822-attachment.eml":             {disp: "case", ticket: "TCK-3101"},
		"forward-outlook-fw.eml":                    {disp: "case", kind: "management", issueType: "legal"},
		"forward-apple-begin-forwarded.eml":         {disp: "case", kind: "engineering", ticket: "TCK-3307"},
		"quoted-escalation-only.eml":                {disp: "case", ticket: "TCK-1260"},
		"quoted-escalation-with-comment.eml":        {disp: "ignored", reason: "not-escalation"},
		"ignored-outlook-automatic-reply.eml":       {disp: "ignored", reason: "auto-reply"},
		"ignored-autosvar.eml":                      {disp: "ignored", reason: "auto-reply"},
		"ignored-ooo-outlook-no-headers.eml":        {disp: "ignored", reason: "auto-reply"},
		"ignored-ooo-gmail-vacation.eml":            {disp: "ignored", reason: "auto-reply"},
		"reply-typo-reassign.eml":                   {disp: "reply", ticket: "TCK-1234"},
		"ignored-bounce-postfix.eml":                {disp: "ignored", reason: "bounce"},
		"ignored-mailing-list.eml":                  {disp: "ignored", reason: "mailing-list"},
		"ignored-bulk-newsletter.eml":               {disp: "ignored", reason: "mailing-list"},
		"ignored-loop-gateway-own.eml":              {disp: "ignored", reason: "loop"},
		"ignored-loop-gateway-message-id.eml":       {disp: "ignored", reason: "loop"},
		"ignored-spoofed-dmarc-fail.eml":            {disp: "ignored", reason: "spoofed"},
		"ignored-spoofed-dkim-spf-fail.eml":         {disp: "ignored", reason: "spoofed"},
		"ignored-sender-not-allowed.eml":            {disp: "ignored", reason: "sender-not-allowed"},
		"ignored-not-escalation.eml":                {disp: "ignored", reason: "not-escalation"},
		"hostile-crlf-subject.eml":                  {disp: "case", ticket: "TCK-6001"},
		"hostile-crlf-ticket.eml":                   {disp: "rejected", errFields: "ticket"},
		"malformed-header-lines.eml":                {disp: "case", ticket: "TCK-6003", warning: "malformed header line dropped"},
		"malformed-unknown-charset.eml":             {disp: "case", warning: "unknown charset"},
		"malformed-missing-close-boundary.eml":      {disp: "case", warning: "close delimiter missing"},
		"limits/too-large.eml":                      {disp: "rejected", reason: "too-large", errFields: "message"},
		"limits/deep-nesting.eml":                   {disp: "case", ticket: "TCK-7002", warning: "MIME nesting deeper than 5"},
		"limits/many-parts.eml":                     {disp: "case", ticket: "TCK-7003", warning: "more than 12 MIME parts"},
		"limits/long-header.eml":                    {disp: "case", ticket: "TCK-7004", warning: "truncated to 1024"},
		"limits/long-text.eml":                      {disp: "case", ticket: "TCK-7005", warning: "decoded text larger than 4096"},
		"security/researcher-report.eml":            {disp: "case", kind: "security_report"},
		"security/researcher-html.eml":              {disp: "case", kind: "security_report"},
		"security/agent-escalation.eml":             {disp: "case", kind: "escalation", ticket: "TCK-5001"},
		"security/agent-untemplated.eml":            {disp: "case", kind: "security_report"},
		"security/spoofed-agent.eml":                {disp: "case", kind: "security_report"},
		"security/researcher-autoreply.eml":         {disp: "ignored", reason: "auto-reply"},
		"security/researcher-reply-to-thread.eml":   {disp: "reply", command: "NOTE"},
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir, filepath.FromSlash(name))
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := parse(raw, corpusOptionsFor(path))
			check := func(what, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("disposition", r.Disposition, w.disp)
			check("reason", r.Reason, w.reason)
			check("kind", string(r.Kind), w.kind)
			check("ticket", r.Ticket, w.ticket)
			check("customer", r.Customer, w.customer)
			check("urgency", string(r.Urgency), w.urgency)
			check("issue type", string(r.IssueType), w.issueType)
			if w.command != "" {
				if r.Command == nil {
					t.Errorf("no command, want %s", w.command)
				} else {
					check("command", string(r.Command.Name), w.command)
				}
			}
			switch {
			case w.users == -1 && r.UsersAffected != nil:
				t.Errorf("users affected %d, want nil", *r.UsersAffected)
			case w.users > 0 && (r.UsersAffected == nil || *r.UsersAffected != w.users):
				t.Errorf("users affected %v, want %d", r.UsersAffected, w.users)
			}
			var ef []string
			for _, e := range r.Errors {
				ef = append(ef, e.Field)
			}
			check("error fields", strings.Join(ef, ","), w.errFields)
			if (r.Disposition == DispositionRejected) != (len(r.Errors) > 0) {
				t.Errorf("errors %v with disposition %s", r.Errors, r.Disposition)
			}
			if w.warning != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), w.warning) {
				t.Errorf("warnings %q lack %q", r.Warnings, w.warning)
			}
			if w.field[0] != "" {
				if got, _ := r.Fields[w.field[0]].(string); got != w.field[1] {
					t.Errorf("field %s = %q, want %q", w.field[0], got, w.field[1])
				}
			}
			for _, v := range []string{r.Ticket, r.Customer, r.Subject, r.From, string(r.Urgency), string(r.IssueType), r.MessageID} {
				if strings.ContainsAny(v, "\r\n") {
					t.Errorf("header-bound value %q contains CR or LF", v)
				}
			}
		})
	}
}
