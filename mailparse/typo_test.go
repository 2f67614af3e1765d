package mailparse

import (
	"encoding/json"
	"escalationd/vocab"
	"strings"
	"testing"
)

func TestCommandTypos(t *testing.T) {
	tests := []struct {
		first   string
		written string
		meant   vocab.Command
	}{
		{"ACKK", "ACKK", vocab.CmdAck},
		{"AKC", "AKC", vocab.CmdAck},
		{"Akc", "Akc", vocab.CmdAck},
		{"ackk!", "ackk", vocab.CmdAck},
		{"ACCK", "ACCK", vocab.CmdAck},
		{"ACKED", "ACKED", vocab.CmdAck},
		{"ACKNOWLEGED", "ACKNOWLEGED", vocab.CmdAck},
		{"Acknowldged, on it", "Acknowldged", vocab.CmdAck},
		{"RESOLVE fixed", "RESOLVE", vocab.CmdResolved},
		{"RESOLVE: fixed", "RESOLVE", vocab.CmdResolved},
		{"Resolve - worker restarted", "Resolve", vocab.CmdResolved},
		{"RESOVLED restarted the worker", "RESOVLED", vocab.CmdResolved},
		{"resloved", "resloved", vocab.CmdResolved},
		{"RESOLVD", "RESOLVD", vocab.CmdResolved},
		{"FIXED in 4.2.1", "FIXED", vocab.CmdResolved},
		{"DONE", "DONE", vocab.CmdResolved},
		{"CLOSED", "CLOSED", vocab.CmdResolved},
		{"CLOSE", "CLOSE", vocab.CmdResolved},
		{"SOLVED by a restart", "SOLVED", vocab.CmdResolved},
		{"Reasign engineering", "Reasign", vocab.CmdReassign},
		{"REASIGN network", "REASIGN", vocab.CmdReassign},
		{"reassing billing", "reassing", vocab.CmdReassign},
		{"REASSIGNED to billing", "REASSIGNED", vocab.CmdReassign},
		{"URGANCY high", "URGANCY", vocab.CmdUrgency},
		{"Urgancy critical", "Urgancy", vocab.CmdUrgency},
		{"URGENCEY low", "URGENCEY", vocab.CmdUrgency},
		{"REOPNE", "REOPNE", vocab.CmdReopen},
		{"Reopned, customer says it is back", "Reopned", vocab.CmdReopen},
		{"NTOE called the customer", "NTOE", vocab.CmdNote},
		{"NOET", "NOET", vocab.CmdNote},
		{"**ACKK**", "ACKK", vocab.CmdAck},
		{"\n\n  RESOLVE fixed\nmore", "RESOLVE", vocab.CmdResolved},
	}
	for _, tt := range tests {
		t.Run(tt.first, func(t *testing.T) {
			got := commandTypo(tt.first)
			if got == nil {
				t.Fatalf("no typo, want %s", tt.meant)
			}
			if got.Written != tt.written || got.Meant != tt.meant {
				t.Errorf("got %+v, want %s → %s", *got, tt.written, tt.meant)
			}
		})
	}
}

func TestOrdinaryFirstWordsAreNoTypos(t *testing.T) {
	for _, first := range []string{
		"Thanks, looking into it", "Thank you!", "Hi team,", "Hello", "Looking now",
		"Done.", "Done", "Done, customer confirmed", "DONE?", "Done?", "Fixed the config, still failing",
		"Closed the Zendesk ticket", "Close call, it was the cert", "Solved by a restart? Not sure",
		"Noted, thanks", "NOTED", "Notes from the call:", "Not sure who owns this",
		"Back from lunch, on it", "Jack is on it", "Ask Sam", "ACL change broke it", "Act now",
		"Node 3 is down", "NODE 3 is down", "Open question: who has the logs?", "Opened a bug",
		"Urgent: customer calling again", "URGENT", "Urgently need logs", "Agency customers only",
		"Currency conversion fails", "Reserved instances", "Resolver errors in DNS", "Resolving now",
		"Reassigning needs a team name?", "Revolve", "Reopening tomorrow?", "Received, thanks", "Regards", "Restored from backup",
		"Re:", "OK", "Ok", "Yes", "No", "Nope", "None of these", "Sure", "Will do", "On it",
		"+1", "LGTM", "TCK-1234 is the same", "I'm on it", "Can you check?", "Please call me",
		"", "   ", "Who has this?", "Escalating to engineering", "Assigned to me",
		"Cast a wider net: check the other region", "CAST iron rule: no refunds",
		"ACK", "ack.", "Acknowledged", "RESOLVED fixed", "NOTE x", "URGENCY high", "REASSIGN eng", "REOPEN",
	} {
		if got := commandTypo(first); got != nil {
			t.Errorf("%q: typo %+v", first, *got)
		}
	}
}

// TestCommandTypoInReply: a reply with a typo is a comment that names the
// command meant; the JSON field is command_typo.
func TestCommandTypoInReply(t *testing.T) {
	res := Parse(buildMail(replyHdr(caseSubject), "Reasign engineering\n\nThis is theirs."), corpusOptions())
	if res.Disposition != DispositionReply || res.Command != nil {
		t.Fatalf("got %s, command %v", res.Disposition, res.Command)
	}
	if res.CommandTypo == nil || res.CommandTypo.Meant != vocab.CmdReassign || res.CommandTypo.Written != "Reasign" {
		t.Fatalf("typo %+v", res.CommandTypo)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"command_typo":{"written":"Reasign","meant":"REASSIGN"}`) {
		t.Errorf("json %s", b)
	}
	res = Parse(buildMail(replyHdr(caseSubject), "ACK\n"), corpusOptions())
	if res.Command == nil || res.CommandTypo != nil {
		t.Errorf("ACK: command %v, typo %v", res.Command, res.CommandTypo)
	}
}

func TestDamerauLevenshtein(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"ACK", "ACK", 0}, {"ACKK", "ACK", 1}, {"AKC", "ACK", 1}, {"RESOVLED", "RESOLVED", 1},
		{"REASIGN", "REASSIGN", 1}, {"DONE", "NOTE", 2}, {"CA", "ABC", 3}, {"", "NOTE", 4}} {
		if got := damerauLevenshtein(tt.a, tt.b); got != tt.d {
			t.Errorf("%s %s: %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
